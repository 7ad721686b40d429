import * as http from "node:http";

/**
 * Plain HTTP/1.1 forwarding for the proxy: headers go through as the client sent them (raw, in
 * order, with their case), except the hop-by-hop ones that belong to one connection.
 */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "expect"]);

export interface BufferedResponse {
    statusCode: number;
    statusMessage: string;
    rawHeaders: string[];
    body: Buffer;
}

export function readBody(stream: NodeJS.ReadableStream): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => resolve(Buffer.concat(chunks)));
        stream.on("error", reject);
    });
}

/**
 * The raw headers without hop-by-hop ones. With `contentLength`, the body framing is replaced by
 * that Content-Length (for a body that was read whole, or rewritten).
 */
export function endToEndHeaders(rawHeaders: readonly string[], contentLength?: number): string[] {
    const headers: string[] = [];
    for (let i = 0; i < rawHeaders.length; i += 2) {
        const name = rawHeaders[i].toLowerCase();
        if (HOP_BY_HOP.has(name)) continue;
        if (contentLength !== undefined && (name === "content-length" || name === "transfer-encoding")) continue;
        headers.push(rawHeaders[i], rawHeaders[i + 1]);
    }
    if (contentLength !== undefined) headers.push("Content-Length", String(contentLength));
    return headers;
}

/** Sends a request whose body is already in memory and reads the whole response. */
export function forwardBuffered(upstream: URL, agent: http.Agent, req: http.IncomingMessage, body: Buffer): Promise<BufferedResponse> {
    return new Promise((resolve, reject) => {
        const outgoing = http.request(
            {
                host: upstream.hostname,
                port: upstream.port,
                method: req.method,
                path: req.url,
                headers: endToEndHeaders(req.rawHeaders, body.length),
                agent,
            },
            (incoming) => {
                readBody(incoming).then(
                    (responseBody) =>
                        resolve({
                            statusCode: incoming.statusCode ?? 502,
                            statusMessage: incoming.statusMessage ?? "",
                            rawHeaders: incoming.rawHeaders,
                            body: responseBody,
                        }),
                    reject,
                );
            },
        );
        outgoing.on("error", reject);
        outgoing.end(body);
    });
}

/** Writes a response read whole (or rewritten): same status and headers, with a Content-Length for this body. */
export function writeBuffered(res: http.ServerResponse, response: BufferedResponse): void {
    res.writeHead(response.statusCode, response.statusMessage, endToEndHeaders(response.rawHeaders, response.body.length));
    res.end(response.body);
}

/** What a streaming forward may add: a wait before the response is written, and byte counts each way. */
export interface StreamingHooks {
    beforeResponse?: () => Promise<void>;
    onRequestBytes?: (bytes: number) => void;
    onResponseBytes?: (bytes: number) => void;
}

/**
 * Streams a request through to the upstream and its response back, headers as they came but for
 * the hop-by-hop ones. A caller that goes away mid-call takes the upstream call with it.
 */
export function forwardStreaming(upstream: URL, agent: http.Agent, req: http.IncomingMessage, res: http.ServerResponse, hooks: StreamingHooks = {}): void {
    const respond = (incoming: http.IncomingMessage) => {
        if (res.destroyed) return void incoming.destroy();
        res.writeHead(incoming.statusCode ?? 502, incoming.statusMessage, endToEndHeaders(incoming.rawHeaders));
        if (hooks.onResponseBytes) incoming.on("data", (chunk: Buffer) => hooks.onResponseBytes!(chunk.length));
        incoming.on("error", (error) => res.destroy(error));
        incoming.pipe(res);
    };
    const outgoing = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: endToEndHeaders(req.rawHeaders), agent },
        (incoming) => (hooks.beforeResponse ? void hooks.beforeResponse().then(() => respond(incoming)) : respond(incoming)),
    );
    outgoing.on("error", (error) => failGateway(res, error));
    if (hooks.onRequestBytes) req.on("data", (chunk: Buffer) => hooks.onRequestBytes!(chunk.length));
    req.pipe(outgoing);
    res.on("close", () => {
        if (!res.writableFinished) outgoing.destroy();
    });
}

/** A gateway error for a failed upstream, unless the response has already started (then the connection is cut). */
export function failGateway(res: http.ServerResponse, error: unknown): void {
    if (res.headersSent) {
        res.destroy(error instanceof Error ? error : new Error(String(error)));
        return;
    }
    const body = Buffer.from(`AWS profile proxy: the upstream failed: ${error instanceof Error ? error.message : String(error)}`);
    res.writeHead(502, { "Content-Type": "text/plain", "Content-Length": body.length });
    res.end(body);
}
