import { randomUUID } from "node:crypto";
import type { BufferedResponse } from "./http-forward";

/** kinesalite's account (its AWS_ACCOUNT_ID default), so that messages name the same account as its ARNs. */
export const STAND_IN_ACCOUNT = "000000000000";

export const THROUGHPUT_EXCEEDED = "ProvisionedThroughputExceededException";

/** The message AWS gives a throttled shard. */
export function rateExceededMessage(streamName: string, shardId: string): string {
    return `Rate exceeded for shard ${shardId} in stream ${streamName} under account ${STAND_IN_ACCOUNT}.`;
}

/** A Kinesis JSON 1.1 response made by the proxy itself. */
export function kinesisJsonResponse(statusCode: number, payload: unknown): BufferedResponse {
    return {
        statusCode,
        statusMessage: statusCode === 200 ? "OK" : "Bad Request",
        rawHeaders: ["x-amzn-RequestId", randomUUID(), "Content-Type", "application/x-amz-json-1.1"],
        body: Buffer.from(JSON.stringify(payload)),
    };
}

/** The 400 a throttled PutRecord or GetRecords call gets. */
export function throughputExceededResponse(streamName: string, shardId: string): BufferedResponse {
    return kinesisJsonResponse(400, { __type: THROUGHPUT_EXCEEDED, message: rateExceededMessage(streamName, shardId) });
}

/** The same response with a new JSON body (headers kept, Content-Length fixed when written). */
export function withJsonBody(response: BufferedResponse, payload: unknown): BufferedResponse {
    return { ...response, body: Buffer.from(JSON.stringify(payload)) };
}
