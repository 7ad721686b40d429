/**
 * Shared set-up for the embedded runtime's tests: the real stand-ins (fauxqs, kinesalite), SDK
 * clients for them, small Lambda functions written as module text, and helpers that put records,
 * read queues and wait for conditions.
 */
import { randomUUID } from "node:crypto";
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { FunctionPool, type FunctionDefinition } from "../../runtime/lambda/function-pool";
import { startStandIns, type RunningStandIns } from "../../runtime/standins/stand-ins";

export const REGION = "us-east-1";
const credentials = { accessKeyId: "local", secretAccessKey: "local" };

export interface RuntimeHarness {
    standIns: RunningStandIns;
    kinesis: KinesisClient;
    s3: S3Client;
    sqs: SQSClient;
    pools: FunctionPool[];
}

/** Starts the stand-ins for one test file; call `stopHarness` in `after`. */
export async function startHarness(): Promise<RuntimeHarness> {
    const standIns = await startStandIns();
    return {
        standIns,
        kinesis: new KinesisClient({ region: REGION, credentials, endpoint: standIns.endpoints.kinesis, requestHandler: new NodeHttpHandler() }),
        s3: new S3Client({ region: REGION, credentials, endpoint: standIns.endpoints.s3, forcePathStyle: true }),
        sqs: new SQSClient({ region: REGION, credentials, endpoint: standIns.endpoints.sqs }),
        pools: [],
    };
}

export async function stopHarness(harness: RuntimeHarness | undefined): Promise<void> {
    if (!harness) return;
    await Promise.all(harness.pools.splice(0).map((pool) => pool.close()));
    harness.kinesis.destroy();
    harness.s3.destroy();
    harness.sqs.destroy();
    await harness.standIns.stop();
}

export function uniqueName(prefix: string): string {
    return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A function whose module is `text` (CommonJS, exporting `handler`); closed by stopHarness. */
export function testFunction(harness: RuntimeHarness, text: string, overrides: Partial<FunctionDefinition> = {}): FunctionPool {
    const pool = new FunctionPool({
        functionName: uniqueName("fn"),
        handler: { text, exportName: "handler" },
        environment: {},
        memoryMb: 256,
        timeoutSeconds: 10,
        region: REGION,
        ...overrides,
    });
    harness.pools.push(pool);
    return pool;
}

export async function createStream(harness: RuntimeHarness, shards = 1): Promise<{ streamName: string; streamArn: string }> {
    const streamName = uniqueName("stream");
    await harness.kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shards }));
    for (;;) {
        const { StreamDescriptionSummary: summary } = await harness.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
        if (summary?.StreamStatus === "ACTIVE") return { streamName, streamArn: summary.StreamARN as string };
        await sleep(20);
    }
}

/** Puts records in order (one PutRecords call per 500), failing on any rejected entry. */
export async function putRecords(harness: RuntimeHarness, streamName: string, records: Array<{ key: string; data: string }>): Promise<void> {
    for (let start = 0; start < records.length; start += 500) {
        const chunk = records.slice(start, start + 500);
        const output = await harness.kinesis.send(
            new PutRecordsCommand({
                StreamName: streamName,
                Records: chunk.map((record) => ({ PartitionKey: record.key, Data: Buffer.from(record.data) })),
            }),
        );
        if (output.FailedRecordCount) throw new Error(`${output.FailedRecordCount} records were rejected`);
    }
}

export async function createQueue(harness: RuntimeHarness): Promise<string> {
    const output = await harness.sqs.send(new CreateQueueCommand({ QueueName: uniqueName("queue") }));
    return output.QueueUrl as string;
}

export async function createBucket(harness: RuntimeHarness): Promise<string> {
    const bucket = uniqueName("bucket");
    await harness.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    return bucket;
}

/** Receives (and deletes) every message now in the queue, parsed as JSON. */
export async function drainQueue(harness: RuntimeHarness, queueUrl: string): Promise<unknown[]> {
    const bodies: unknown[] = [];
    for (;;) {
        const { Messages: messages = [] } = await harness.sqs.send(
            new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        if (messages.length === 0) return bodies;
        bodies.push(...messages.map((message) => JSON.parse(message.Body as string)));
        await harness.sqs.send(
            new DeleteMessageBatchCommand({
                QueueUrl: queueUrl,
                Entries: messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle as string })),
            }),
        );
    }
}

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `condition` holds; fails with `what` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
        await sleep(20);
    }
}

/** The UTF-8 text of each record of a Kinesis event. */
export function recordTexts(event: { Records: Array<{ kinesis: { data: string } }> }): string[] {
    return event.Records.map((record) => Buffer.from(record.kinesis.data, "base64").toString("utf8"));
}
