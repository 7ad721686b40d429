/** Shared pieces for handler unit tests: a silent logger, the splitter's deps, and readable bodies for mocked GetObject. */
import { Logger } from "@aws-lambda-powertools/logger";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { Readable } from "node:stream";
import { parsePartitionKey } from "../../handlers/shared/partition-key";
import type { SplitterDeps } from "../../handlers/splitter/split-object";

export const silentLogger = (): Logger => new Logger({ serviceName: "handler-tests", logLevel: "SILENT" });

export const DLQ_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/fanout-dead-letters";

/**
 * The splitter's deps over new SDK clients (each test stubs them with aws-sdk-client-mock), the
 * stream `fanout-stream`, keys from `original_id` and fast retries; `config` and `extra` override.
 */
export function splitterDeps(config: Partial<SplitterDeps["config"]> = {}, extra: Partial<SplitterDeps> = {}): SplitterDeps {
    return {
        s3: new S3Client({ region: "us-east-1" }),
        kinesis: new KinesisClient({ region: "us-east-1" }),
        sqs: new SQSClient({ region: "us-east-1" }),
        lambda: new LambdaClient({ region: "us-east-1" }),
        config: { streamName: "fanout-stream", deadLetterQueueUrl: DLQ_URL, partitionKey: parsePartitionKey("field:original_id"), maxChainInvocations: 1000, ...config },
        logger: silentLogger(),
        retryPolicy: { attempts: 3, firstDelayMs: 1, maxDelayMs: 2 },
        ...extra,
    };
}

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
