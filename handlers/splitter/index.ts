// PLACEHOLDER: replaced by the handlers work. Signature is the contract.
import type { Context, S3Event } from "aws-lambda";

export interface SplitterResult {
    objects: number;
}

export function createSplitterHandler(): (event: S3Event, context: Context) => Promise<SplitterResult> {
    return async () => {
        throw new Error("splitter not implemented yet");
    };
}
