import { randomUUID } from "node:crypto";
import * as http from "node:http";
import type { AsyncInvocationQueue } from "./async-invocation-queue";
import type { InvocationMeta, InvocationResult } from "./function-pool";
import { stopsRecursion, type RecursiveLoop } from "./recursion-detection";
import { closeServer, endpointOf, listenOnLoopback } from "../support/loopback-server";
import { AWS_LIMITS } from "../../settings/aws-limits";

/**
 * A stand-in for Lambda's Invoke REST call, on 127.0.0.1 with an ephemeral port, so that a
 * function can invoke another (or itself) through the SDK's standard AWS_ENDPOINT_URL_LAMBDA:
 *
 *   POST /2015-03-31/functions/{FunctionName}/invocations[?Qualifier=...]
 *
 * - FunctionName: a name, a full ARN or a partial ARN (`<account>:function:<name>`), optionally
 *   with a `:$LATEST` qualifier (the only version the runtime has).
 * - X-Amz-Invocation-Type `RequestResponse` (default): 200 with the function's response; a
 *   function error answers 200 too, with X-Amz-Function-Error: Unhandled and the error as body.
 * - `Event`: the event is put on the function's asynchronous path (its AsyncInvocationQueue,
 *   with Lambda's retries and on-failure destination) and the call answers 202 at once.
 * - `DryRun`: 204.
 * - X-Amzn-Trace-Id: the chain an invocation belongs to (the SDK forwards it from inside a function);
 *   recursive loop detection stops a chain that already invoked the function 16 times
 *   (recursion-detection.ts): RequestResponse answers 400 RecursiveInvocationException, an
 *   Event is accepted and then sent to the on-failure destination.
 * - An Event's 202 carries the request id its invocations (and their retries) run under.
 * - Limits: 6 MB of payload for RequestResponse, 1 MB for Event (docs: API_Invoke; the
 *   asynchronous limit was 256 KB before 2025). Errors carry AWS's code in x-amzn-ErrorType.
 * Not modelled: authentication, X-Amz-Log-Type: Tail, client context, versions and aliases.
 */
export interface InvokeApiFunction {
    functionName: string;
    /** The unqualified ARN. */
    functionArn: string;
    /** A synchronous invocation (FunctionPool.invoke). */
    invoke(event: unknown, meta: InvocationMeta): Promise<InvocationResult>;
    /** The function's asynchronous path (it applies the recursion config to Event invocations itself). */
    asyncQueue: AsyncInvocationQueue;
    /** The function's recursion config (PutFunctionRecursionConfig); default Terminate, as on AWS. */
    recursiveLoop?: RecursiveLoop;
}

export interface InvokeApiStats {
    requestResponse: number;
    event: number;
    dryRun: number;
    /** Calls answered with an error status (4xx). */
    rejected: number;
}

export const SYNC_PAYLOAD_MAX_BYTES = AWS_LIMITS.lambda.syncInvokeRequestMaxBytes;
export const ASYNC_PAYLOAD_MAX_BYTES = AWS_LIMITS.lambda.asyncInvokeRequestMaxBytes;
const PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

class ApiError extends Error {
    constructor(readonly status: number, readonly code: string, message: string) {
        super(message);
    }
}

export class LambdaInvokeApi {
    private readonly functions = new Map<string, InvokeApiFunction>();
    private readonly counters: InvokeApiStats = { requestResponse: 0, event: 0, dryRun: 0, rejected: 0 };

    private constructor(private readonly server: http.Server, readonly endpoint: string, readonly region: string, readonly accountId: string) {}

    static async start(options: { region: string; accountId?: string }): Promise<LambdaInvokeApi> {
        const server = await listenOnLoopback();
        const api = new LambdaInvokeApi(server, endpointOf(server), options.region, options.accountId ?? "000000000000");
        server.on("request", (request, response) => void api.handle(request, response));
        return api;
    }

    register(fn: InvokeApiFunction): void {
        this.functions.set(fn.functionName, fn);
    }

    stats(): InvokeApiStats {
        return { ...this.counters };
    }

    close(): Promise<void> {
        return closeServer(this.server);
    }

    private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
        const requestId = randomUUID();
        try {
            const body = await readBody(request, SYNC_PAYLOAD_MAX_BYTES);
            const url = new URL(request.url ?? "/", "http://localhost");
            const match = PATH.exec(url.pathname);
            if (request.method !== "POST" || !match) throw new ApiError(404, "UnknownOperationException", `no such operation: ${request.method} ${url.pathname}`);
            const fn = this.resolve(decodeURIComponent(match[1]), url.searchParams.get("Qualifier") ?? undefined);
            const type = String(request.headers["x-amz-invocation-type"] ?? "RequestResponse");
            if (type !== "RequestResponse" && type !== "Event" && type !== "DryRun") {
                throw new ApiError(400, "InvalidParameterValueException", `X-Amz-Invocation-Type must be RequestResponse, Event or DryRun (got "${type}")`);
            }
            if (type === "Event" && body.length > ASYNC_PAYLOAD_MAX_BYTES) {
                throw new ApiError(413, "RequestEntityTooLargeException", `Request must be smaller than ${ASYNC_PAYLOAD_MAX_BYTES} bytes for the InvokeFunction operation with InvocationType Event (got ${body.length})`);
            }
            const event = parsePayload(body);
            const traceHeader = request.headers["x-amzn-trace-id"] === undefined ? undefined : String(request.headers["x-amzn-trace-id"]);
            if (type === "DryRun") {
                this.counters.dryRun++;
                return send(response, 204, requestId, {});
            }
            if (type === "Event") {
                fn.asyncQueue.enqueue(event, { requestId, traceHeader });
                this.counters.event++;
                return send(response, 202, requestId, {});
            }
            if (stopsRecursion(traceHeader, fn.functionArn, fn.recursiveLoop ?? "Terminate")) {
                throw new ApiError(400, "RecursiveInvocationException", `Lambda detected that ${fn.functionArn} was invoked in a recursive loop and stopped the invocation`);
            }
            this.counters.requestResponse++;
            const result = await fn.invoke(event, { requestId, traceHeader });
            const headers: Record<string, string> = { "X-Amz-Executed-Version": "$LATEST" };
            if (result.ok) return send(response, 200, requestId, headers, JSON.stringify(result.payload ?? null));
            headers["X-Amz-Function-Error"] = "Unhandled";
            return send(response, 200, requestId, headers, JSON.stringify({ errorType: result.errorType, errorMessage: result.errorMessage, trace: result.stackTrace ?? [] }));
        } catch (error) {
            this.counters.rejected++;
            const apiError = error instanceof ApiError ? error : new ApiError(500, "ServiceException", (error as Error).message);
            send(response, apiError.status, requestId, { "x-amzn-ErrorType": apiError.code }, JSON.stringify({ Type: apiError.status < 500 ? "User" : "Service", message: apiError.message }));
        }
    }

    /** The function a name, ARN or partial ARN (and qualifier) designates. */
    private resolve(name: string, qualifierParameter: string | undefined): InvokeApiFunction {
        const full = /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]+)(?::([^:]+))?$/.exec(name);
        const partial = /^(\d{12}):function:([A-Za-z0-9_-]+)(?::([^:]+))?$/.exec(name);
        const plain = /^([A-Za-z0-9_-]{1,64})(?::([^:]+))?$/.exec(name);
        let region = this.region;
        let account = this.accountId;
        let functionName: string;
        let qualifier: string | undefined;
        if (full) [, region, account, functionName, qualifier] = full;
        else if (partial) [, account, functionName, qualifier] = partial;
        else if (plain) [, functionName, qualifier] = plain;
        else throw new ApiError(400, "ValidationException", `FunctionName must be a function name, an ARN or a partial ARN (got "${name}")`);
        const fn = this.functions.get(functionName);
        const arn = `arn:aws:lambda:${region}:${account}:function:${functionName}`;
        if (!fn || region !== this.region || account !== this.accountId) throw new ApiError(404, "ResourceNotFoundException", `Function not found: ${arn}`);
        for (const given of [qualifier, qualifierParameter]) {
            if (given !== undefined && given !== "$LATEST") {
                throw new ApiError(404, "ResourceNotFoundException", `Function not found: ${arn}:${given} (the local runtime has only $LATEST)`);
            }
        }
        return fn;
    }
}

function parsePayload(body: Buffer): unknown {
    if (body.length === 0) return {};
    try {
        return JSON.parse(body.toString("utf8"));
    } catch {
        throw new ApiError(400, "InvalidRequestContentException", "Could not parse request body into json: the payload must be JSON");
    }
}

function readBody(request: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let length = 0;
        request.on("data", (chunk: Buffer) => {
            length += chunk.length;
            if (length <= maxBytes) chunks.push(chunk);
        });
        request.on("end", () => {
            if (length > maxBytes) reject(new ApiError(413, "RequestEntityTooLargeException", `Request must be smaller than ${maxBytes} bytes for the InvokeFunction operation (got ${length})`));
            else resolve(Buffer.concat(chunks));
        });
        request.on("error", reject);
    });
}

function send(response: http.ServerResponse, status: number, requestId: string, headers: Record<string, string>, body?: string): void {
    response.writeHead(status, { "Content-Type": "application/json", "x-amzn-RequestId": requestId, ...headers });
    response.end(body);
}
