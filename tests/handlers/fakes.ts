/** Shared pieces for handler unit tests: a silent logger and readable bodies for mocked GetObject. */
import { Logger } from "@aws-lambda-powertools/logger";
import { Readable } from "node:stream";

export const silentLogger = (): Logger => new Logger({ serviceName: "handler-tests", logLevel: "SILENT" });

export const DLQ_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/fanout-dead-letters";

/** An S3 GetObject body that streams these chunks, as the SDK's IncomingMessage does. */
export function body(...chunks: (string | Buffer)[]): Readable {
    return Readable.from(chunks.map((chunk) => Buffer.from(chunk)));
}

/** Splits a buffer into chunks of at most `size` bytes. */
export function chunked(data: Buffer, size: number): Buffer[] {
    const chunks: Buffer[] = [];
    for (let at = 0; at < data.length; at += size) chunks.push(data.subarray(at, at + size));
    return chunks;
}
