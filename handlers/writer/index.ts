// PLACEHOLDER: replaced by the handlers work. Signature is the contract.
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";

export function createWriterHandler(): (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse> {
    return async () => {
        throw new Error("writer not implemented yet");
    };
}
