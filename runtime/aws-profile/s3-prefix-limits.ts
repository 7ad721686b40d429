import type * as http from "node:http";
import { TokenBucket } from "./token-bucket";

/**
 * S3's request rate per prefix ("Best practices design patterns: optimizing Amazon S3 performance"):
 * "your application can achieve at least 3,500 PUT/COPY/POST/DELETE or 5,500 GET/HEAD requests per
 * second per partitioned Amazon S3 prefix". Above it S3 answers 503 SlowDown, which the SDK retries.
 *
 * Modelled for the writing requests only, with one token bucket per (bucket, prefix) on the
 * profile's clock, holding one second of the rate. The prefix is the key up to its last `/` (so every
 * `product_{original_id}.json` shares the bucket's root prefix). S3 also adds partitions to a prefix
 * that stays busy; that scaling is not modelled, so a sustained overload stays throttled.
 */
const WRITE_OPERATIONS = new Set(["PutObject", "CopyObject", "UploadPart", "CreateMultipartUpload", "CompleteMultipartUpload", "DeleteObject", "DeleteObjects"]);

export class S3PrefixLimits {
    private readonly buckets = new Map<string, TokenBucket>();

    constructor(
        private readonly putRequestsPerSecond: number,
        private readonly clock: () => number,
    ) {}

    /** Takes one request of the operation from its prefix's limit; false means 503 SlowDown. Reads and other calls always pass. */
    tryRequest(operation: string, req: Pick<http.IncomingMessage, "url" | "headers">): boolean {
        if (!WRITE_OPERATIONS.has(operation) || this.putRequestsPerSecond === Infinity) return true;
        const prefix = prefixOf(req);
        let bucket = this.buckets.get(prefix);
        if (!bucket) {
            bucket = new TokenBucket(this.putRequestsPerSecond, this.clock);
            this.buckets.set(prefix, bucket);
        }
        if (!bucket.canTake(1)) return false;
        bucket.take(1);
        return true;
    }
}

/** `bucket/prefix/` of a request: path style (/bucket/key) or virtual-hosted (bucket in the Host). */
export function prefixOf(req: Pick<http.IncomingMessage, "url" | "headers">): string {
    const url = new URL(req.url ?? "/", "http://placeholder");
    const host = String(req.headers.host ?? "").replace(/:\d+$/, "");
    const pathStyle = /^[\d.]+$/.test(host) || host === "localhost" || host.startsWith("[");
    const path = safeDecode(url.pathname.slice(1));
    const full = pathStyle ? path : `${host.split(".")[0]}/${path}`;
    return full.slice(0, full.lastIndexOf("/") + 1);
}

/** The body S3 sends with a 503 SlowDown. */
export function slowDownBody(requestId: string): string {
    return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>${requestId}</RequestId></Error>`;
}

function safeDecode(text: string): string {
    try {
        return decodeURIComponent(text);
    } catch {
        return text; // S3 itself refuses a malformed key; the stand-in answers it
    }
}
