import * as http from "node:http";
import { randomBytes } from "node:crypto";
import { failGateway, forwardBuffered, forwardStreaming, readBody, writeBuffered } from "../aws-profile/http-forward";
import { closeServer, endpointOf, listenOnLoopback } from "../support/loopback-server";

/**
 * S3's conditional writes in front of a stand-in that lacks them. fauxqs 2.4.1 (its latest
 * release) ignores `If-None-Match` on PutObject, so every "claim" would succeed; this front gives
 * the functions S3's documented behaviour: a PutObject with `If-None-Match: *` "uploads the object
 * only if the object key name does not already exist in the bucket"; otherwise S3 answers 412
 * Precondition Failed (Amazon S3 User Guide, "Add preconditions to S3 operations with conditional
 * requests").
 *
 * Such a PUT takes a lock on its key, asks the stand-in (HEAD) whether the key exists, and either
 * answers 412 or forwards the PUT, releasing the lock when the stand-in has answered. Only requests
 * through this front are serialized, so every function's S3 endpoint points here. Everything else
 * (and every other method) streams through unchanged. Not modelled: `If-Match` on PutObject,
 * conditions on CompleteMultipartUpload and CopyObject, and S3's 409 ConditionalRequestConflict.
 */
export class S3ConditionalWrites {
    private readonly agent = new http.Agent({ keepAlive: true });
    private readonly locks = new Map<string, Promise<void>>();
    readonly counters = { conditionalPuts: 0, preconditionFailed: 0 };

    private constructor(private readonly server: http.Server, private readonly upstream: URL, readonly endpoint: string) {}

    static async start(upstream: string): Promise<S3ConditionalWrites> {
        const server = await listenOnLoopback();
        const front = new S3ConditionalWrites(server, new URL(upstream), endpointOf(server));
        server.on("request", (req, res) => front.handle(req, res));
        return front;
    }

    async close(): Promise<void> {
        await closeServer(this.server);
        this.agent.destroy();
    }

    private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
        const url = new URL(req.url ?? "/", "http://localhost");
        const isObjectPut = req.method === "PUT" && /^\/[^/]+\/.+/.test(url.pathname) && !url.searchParams.has("uploadId") && !req.headers["x-amz-copy-source"];
        if (isObjectPut && req.headers["if-none-match"] === "*") {
            void this.conditionalPut(req, res, url.pathname).catch((error) => failGateway(res, error));
            return;
        }
        this.pipeThrough(req, res);
    }

    private async conditionalPut(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
        this.counters.conditionalPuts++;
        const body = await readBody(req);
        const previous = this.locks.get(path) ?? Promise.resolve();
        let release!: () => void;
        const mine = new Promise<void>((resolve) => (release = resolve));
        const chained = previous.then(() => mine);
        this.locks.set(path, chained);
        await previous;
        try {
            if (await this.exists(path)) {
                this.counters.preconditionFailed++;
                return preconditionFailed(res, path);
            }
            writeBuffered(res, await forwardBuffered(this.upstream, this.agent, req, body));
        } finally {
            release();
            if (this.locks.get(path) === chained) this.locks.delete(path);
        }
    }

    private exists(path: string): Promise<boolean> {
        return new Promise((resolve, reject) => {
            const head = http.request({ host: this.upstream.hostname, port: this.upstream.port, method: "HEAD", path, agent: this.agent }, (response) => {
                response.resume();
                response.on("end", () => resolve(response.statusCode === 200));
            });
            head.on("error", reject);
            head.end();
        });
    }

    private pipeThrough(req: http.IncomingMessage, res: http.ServerResponse): void {
        forwardStreaming(this.upstream, this.agent, req, res);
    }
}

/** S3's 412 for a failed precondition, with its XML error body. */
function preconditionFailed(res: http.ServerResponse, resource: string): void {
    const requestId = randomBytes(8).toString("hex").toUpperCase();
    const body = Buffer.from(
        '<?xml version="1.0" encoding="UTF-8"?>\n' +
            `<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message>` +
            `<Condition>If-None-Match</Condition><Resource>${resource.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</Resource><RequestId>${requestId}</RequestId></Error>`,
    );
    res.writeHead(412, "Precondition Failed", { "Content-Type": "application/xml", "Content-Length": String(body.length), "x-amz-request-id": requestId });
    res.end(body);
}
