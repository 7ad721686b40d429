import * as http from "node:http";
import type { Clock } from "../clock";
import { forwardStreaming } from "./http-forward";
import { padTo, type LatencyClass, type LatencySampler } from "./latency";
import { countCall, type AwsProfileStats } from "./stats";

/**
 * The S3 side of the AWS profile: latency only, bodies streamed both ways.
 *
 * No throttling: S3 allows 3,500 PUT/COPY/POST/DELETE and 5,500 GET/HEAD requests per second per
 * prefix, and adds capacity as a prefix stays busy. The pipelines run here stay far below that
 * (the embedded S3 itself measured about 1,550 PutObject/s at 64 in flight), so a limit would
 * never bite.
 *
 * The response to a call starts no sooner than its calibrated latency after the request arrived
 * (PutObject and UploadPart: s3PutObjectLatencyMs; GetObject: s3GetObjectLatencyMs, the time to
 * first byte; others: otherLatencyMs); the body then streams at local speed.
 */
export class S3Profile {
    private readonly agent = new http.Agent({ keepAlive: true });

    constructor(
        private readonly upstream: URL,
        private readonly latency: LatencySampler,
        private readonly stats: AwsProfileStats,
        private readonly clock: Clock,
    ) {}

    readonly handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
        const startedAt = this.clock.now();
        const operation = s3OperationOf(req);
        countCall(this.stats.s3.calls, operation);
        const latencyMs = this.latency.sampleMs(latencyClassOf(operation));

        forwardStreaming(this.upstream, this.agent, req, res, {
            beforeResponse: () => padTo(this.clock, startedAt, latencyMs).then((addedMs) => void (this.stats.addedDelayMs += addedMs)),
            onRequestBytes: (bytes) => (this.stats.s3.requestBytes += bytes),
            onResponseBytes: (bytes) => (this.stats.s3.responseBytes += bytes),
        });
    };

    close(): void {
        this.agent.destroy();
    }
}

/**
 * The S3 operation of a request, from its method, path and query (path style: /bucket/key; a
 * virtual-hosted request, whose Host isn't an IP or localhost, carries the bucket in the host).
 */
export function s3OperationOf(req: Pick<http.IncomingMessage, "method" | "url" | "headers">): string {
    // fauxqs serves SQS on the same port; those calls name themselves.
    const target = req.headers["x-amz-target"];
    if (typeof target === "string" && target.includes(".")) return target.split(".")[1];
    const url = new URL(req.url ?? "/", "http://placeholder");
    const host = String(req.headers.host ?? "").replace(/:\d+$/, "");
    const pathStyle = /^[\d.]+$/.test(host) || host === "localhost" || host.startsWith("[");
    const segments = url.pathname.split("/").filter(Boolean);
    const hasKey = pathStyle ? segments.length > 1 : segments.length > 0;
    const hasBucket = pathStyle ? segments.length > 0 : true;
    const query = url.searchParams;
    const method = (req.method ?? "GET").toUpperCase();
    if (!hasBucket) return method === "GET" ? "ListBuckets" : `${method} /`;
    if (!hasKey) {
        if (method === "GET") return query.has("uploads") ? "ListMultipartUploads" : "ListObjects";
        if (method === "PUT") return "CreateBucket";
        if (method === "HEAD") return "HeadBucket";
        if (method === "DELETE") return "DeleteBucket";
        if (method === "POST" && query.has("delete")) return "DeleteObjects";
        return `${method} bucket`;
    }
    if (method === "PUT") {
        if (query.has("partNumber")) return "UploadPart";
        if (req.headers["x-amz-copy-source"]) return "CopyObject";
        return "PutObject";
    }
    if (method === "GET") return query.has("uploadId") ? "ListParts" : "GetObject";
    if (method === "HEAD") return "HeadObject";
    if (method === "DELETE") return query.has("uploadId") ? "AbortMultipartUpload" : "DeleteObject";
    if (method === "POST") return query.has("uploads") ? "CreateMultipartUpload" : "CompleteMultipartUpload";
    return `${method} object`;
}

function latencyClassOf(operation: string): LatencyClass {
    if (operation === "PutObject" || operation === "UploadPart") return "s3-put-object";
    if (operation === "GetObject") return "s3-get-object";
    return "other";
}
