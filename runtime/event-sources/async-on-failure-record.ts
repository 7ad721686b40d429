import type { InvocationResult } from "../lambda/function-pool";

/**
 * The invocation record Lambda sends to an asynchronous invocation's on-failure destination
 * (invocation-async-retain-records, "Example invocation record"): the event, the last response,
 * and why the record was sent.
 */
export interface AsyncOnFailureRecord {
    version: "1.0";
    timestamp: string;
    requestContext: { requestId: string; functionArn: string; condition: "RetriesExhausted"; approximateInvokeCount: number };
    requestPayload: unknown;
    responseContext: { statusCode: number; executedVersion: string; functionError: string };
    /** As Node.js's runtime reports an error: `trace`, not `stackTrace` (the Invoke API's error body uses `trace` too). */
    responsePayload: { errorMessage?: string; errorType?: string; trace?: string[] };
}

export function asyncOnFailureRecord(options: {
    functionArn: string;
    event: unknown;
    lastResult: InvocationResult;
    invokeCount: number;
    /** When the record is written, in epoch milliseconds (the queue's clock). */
    nowMs: number;
}): AsyncOnFailureRecord {
    const { lastResult } = options;
    return {
        version: "1.0",
        timestamp: new Date(options.nowMs).toISOString(),
        requestContext: {
            requestId: lastResult.requestId,
            functionArn: `${options.functionArn}:$LATEST`,
            condition: "RetriesExhausted",
            approximateInvokeCount: options.invokeCount,
        },
        requestPayload: options.event,
        responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
        responsePayload: { errorMessage: lastResult.errorMessage, errorType: lastResult.errorType, trace: lastResult.stackTrace ?? [] },
    };
}
