import * as assert from "node:assert/strict";
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, type _Record } from "@aws-sdk/client-kinesis";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { KinesisStreamBatchResponse } from "aws-lambda";
import { createSplitterHandler, type SplitterResult } from "../../handlers/splitter";
import { createWriterHandler } from "../../handlers/writer";
import { splitterEnvironment, writerEnvironment } from "../../handlers/shared/environment";
import { decodeRecord } from "../../handlers/shared/record-envelope";
import type { DeadLetterMessage } from "../../handlers/shared/dead-letter";
import { createEmfCollector, emfData } from "../../runtime/lambda/emf-metrics";
import { startStandIns, type RunningStandIns } from "../../runtime/standins/stand-ins";
import { kinesisEvent, kinesisRecordFactory, s3ObjectCreatedEvent } from "../support/lambda-events";
import { runSerializedHandler, sandboxEnvironment } from "./run-serialized-handler";

const INPUT = "fanout-input";
const OUTPUT = "fanout-output";
const STREAM = "fanout-stream";
const SOURCE_KEY = "incoming/seed file+1 ü.jsonl";
const PIPELINE = "kinesis-fanout-callbacks";

/** The metrics a run's output holds, read as the embedded runtime reads them. */
function metricsIn(...logs: string[]) {
    const collector = createEmfCollector();
    for (const text of logs) collector.write("stream", text);
    const pipelines = new Set(logs.flatMap((text) => text.split("\n").flatMap(emfData)).map((datum) => datum.dimensions.Pipeline));
    return { ...collector.totals(), pipelines: [...pipelines] };
}

const goodLines = Array.from({ length: 24 }, (_, i) => JSON.stringify({ original_id: i + 1, name: `商品 ${i + 1}`, pad: "x".repeat(i * 40) }));
/** A line too large for any Kinesis record: the splitter dead-letters it. */
const hugeLine = `{"original_id":999,"pad":"${"z".repeat(1024 * 1024)}"}`;
/** BOM, CRLF endings, a blank line, two poison lines, an oversize line and no final newline. */
const sourceLines = [...goodLines.slice(0, 12), "", "not json at all", '{"original_id":"../x"}', hugeLine, ...goodLines.slice(12)];
const sourceFile = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(sourceLines.join("\r\n"))]);

describe("serialized handlers run in a fresh node process against the real stand-ins, and publish their counts as EMF", function () {
    let standIns: RunningStandIns;
    let s3: S3Client;
    let kinesis: KinesisClient;
    let sqs: SQSClient;
    let queueUrl: string;
    let sourceETag: string;

    before(async () => {
        standIns = await startStandIns();
        const common = { region: "us-east-1", credentials: { accessKeyId: "AKIDLOCALSTANDIN", secretAccessKey: "local-stand-in-secret" } };
        s3 = new S3Client({ ...common, endpoint: standIns.endpoints.s3 });
        sqs = new SQSClient({ ...common, endpoint: standIns.endpoints.sqs });
        kinesis = new KinesisClient({ ...common, endpoint: standIns.endpoints.kinesis, requestHandler: new NodeHttpHandler() });
        await s3.send(new CreateBucketCommand({ Bucket: INPUT }));
        await s3.send(new CreateBucketCommand({ Bucket: OUTPUT }));
        await kinesis.send(new CreateStreamCommand({ StreamName: STREAM, ShardCount: 2 }));
        queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "fanout-dead-letters" }))).QueueUrl!;
        const put = await s3.send(new PutObjectCommand({ Bucket: INPUT, Key: SOURCE_KEY, Body: sourceFile }));
        sourceETag = put.ETag!.replace(/"/g, "");
    });

    after(async () => {
        for (const client of [s3, kinesis, sqs]) client?.destroy();
        await standIns?.stop();
    });

    async function readStream(): Promise<{ shardId: string; records: _Record[] }[]> {
        const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: STREAM }));
        return Promise.all(
            Shards.map(async ({ ShardId }) => {
                let iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamName: STREAM, ShardId, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
                const records: _Record[] = [];
                while (iterator) {
                    const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
                    records.push(...(page.Records ?? []));
                    iterator = page.Records?.length ? page.NextShardIterator : undefined;
                }
                return { shardId: ShardId!, records };
            }),
        );
    }

    it("the splitter puts every non-blank line into the stream with its source, and skips a stale ETag", async () => {
        // Prepare: the real object, plus an event for an older version of it (a stale ETag).
        const event = s3ObjectCreatedEvent(
            { bucket: INPUT, key: SOURCE_KEY, eTag: "00000000000000000000000000000000", size: sourceFile.length },
            { bucket: INPUT, key: SOURCE_KEY, eTag: sourceETag, size: sourceFile.length },
        );
        const env = sandboxEnvironment(
            standIns.endpoints,
            splitterEnvironment({ streamName: STREAM, deadLetterQueueUrl: queueUrl, partitionKey: "field:original_id", maxChainInvocations: 1000, pipelineName: PIPELINE }),
        );

        // Act
        const { result, logs } = await runSerializedHandler<SplitterResult>(createSplitterHandler, event, env, "fanout-splitter");

        // Assess
        assert.deepEqual(
            { objects: result.objects, replaced: result.replacedObjects, lines: result.lines, put: result.recordsPut, blank: result.blankLines, dead: result.deadLettered },
            { objects: 1, replaced: 1, lines: 28, put: 26, blank: 1, dead: 1 },
        );
        const shards = await readStream();
        assert.ok(shards.filter((shard) => shard.records.length > 0).length === 2, "records of different ids spread over both shards");
        const decoded = shards.flatMap((shard) => shard.records.map((record) => ({ ...decodeRecord(Buffer.from(record.Data!)), partitionKey: record.PartitionKey })));
        decoded.sort((a, b) => a.source.line - b.source.line);
        const expectedLines = sourceLines.map((text, i) => ({ text, line: i + 1 })).filter((entry) => entry.text !== "" && entry.text !== hugeLine);
        assert.deepEqual(
            decoded.map((record) => [record.source.line, record.body.toString("utf8")]),
            expectedLines.map((entry) => [entry.line, entry.text]),
        );
        assert.deepEqual(decoded[0].source, { bucket: INPUT, key: SOURCE_KEY, line: 1, etag: sourceETag });
        assert.equal(decoded[0].partitionKey, "1");
        const metrics = metricsIn(logs);
        assert.deepEqual(metrics.byFunction.splitter, { LinesSplit: 28, RecordsPut: 26, RecordsRetried: 0, HandOffs: 0, ChainsCapped: 0, LinesDeadLettered: 1 });
        assert.deepEqual(metrics.byReason, { LinesDeadLettered: { "line-too-large": 1 } });
        assert.deepEqual(metrics.pipelines, [PIPELINE]);
    });

    it("the writer writes each line's exact bytes to the output bucket and dead-letters the poison lines", async () => {
        // Prepare: one event per shard, from what the splitter put, as the event source mapping delivers them.
        const shards = await readStream();
        assert.ok(shards.some((shard) => shard.records.length > 0), "the splitter test filled the stream");
        const env = sandboxEnvironment(
            standIns.endpoints,
            writerEnvironment({ outputBucket: OUTPUT, deadLetterQueueUrl: queueUrl, outputKeyTemplate: "products/product_{original_id}.json", writerConcurrency: 4, pipelineName: PIPELINE }),
        );
        const allLogs: string[] = [];

        // Act
        for (const shard of shards.filter((s) => s.records.length > 0)) {
            const event = kinesisEvent(
                shard.records.map((record) =>
                    kinesisRecordFactory(Buffer.from(record.Data!), { sequenceNumber: record.SequenceNumber, partitionKey: record.PartitionKey, streamName: STREAM, shardId: shard.shardId }),
                ),
            );
            const { result, logs } = await runSerializedHandler<KinesisStreamBatchResponse>(createWriterHandler, event, env, "fanout-writer");
            assert.deepEqual(result, { batchItemFailures: [] }, logs);
            allLogs.push(logs);
        }

        // Assess
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: OUTPUT }));
        assert.deepEqual(
            (listed.Contents ?? []).map((object) => object.Key).sort(),
            goodLines.map((_, i) => `products/product_${i + 1}.json`).sort(),
        );
        for (const [i, line] of goodLines.entries()) {
            const object = await s3.send(new GetObjectCommand({ Bucket: OUTPUT, Key: `products/product_${i + 1}.json` }));
            assert.deepEqual(Buffer.from(await object.Body!.transformToByteArray()), Buffer.from(line, "utf8"));
            assert.equal(object.ContentType, "application/json");
        }
        const messages: DeadLetterMessage[] = [];
        // SQS may return fewer messages than are queued; receive until all three are in, or a few tries.
        for (let tries = 0; messages.length < 3 && tries < 5; tries++) {
            const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
            messages.push(...(received.Messages ?? []).map((message) => JSON.parse(message.Body!) as DeadLetterMessage));
        }
        assert.deepEqual(
            messages.map((message) => [message.reason, message.source?.key, message.source?.line]).sort(),
            [
                ["invalid-json", SOURCE_KEY, 14],
                ["line-too-large", SOURCE_KEY, 16],
                ["unsafe-id", SOURCE_KEY, 15],
            ],
        );
        const metrics = metricsIn(...allLogs);
        assert.deepEqual(metrics.byFunction.writer, { ObjectsWritten: 24, RecordsFailed: 0, LinesDeadLettered: 2 });
        assert.deepEqual(metrics.byReason, { LinesDeadLettered: { "invalid-json": 1, "unsafe-id": 1 } });
        assert.deepEqual(metrics.pipelines, [PIPELINE]);
    });

    it("a writer invocation that fails still publishes what it counted before it threw", async () => {
        // Prepare: two records for a bucket that does not exist, so every write fails and the batch fails whole.
        const [shard] = (await readStream()).filter((s) => s.records.length >= 2);
        const records = shard.records.slice(0, 2).map((record) => kinesisRecordFactory(Buffer.from(record.Data!), { sequenceNumber: record.SequenceNumber, partitionKey: record.PartitionKey }));
        const env = sandboxEnvironment(
            standIns.endpoints,
            writerEnvironment({ outputBucket: "no-such-bucket", deadLetterQueueUrl: queueUrl, outputKeyTemplate: "product_{original_id}.json", writerConcurrency: 4, pipelineName: PIPELINE }),
        );

        // Act
        const failure = await runSerializedHandler(createWriterHandler, kinesisEvent(records), env, "fanout-writer-failing").then(
            () => assert.fail("writes to a missing bucket succeeded"),
            (error: Error) => error.message,
        );

        // Assess
        assert.match(failure, /FullBatchFailureError|All records failed/);
        assert.deepEqual(metricsIn(failure).byFunction.writer, { ObjectsWritten: 0, RecordsFailed: 2, LinesDeadLettered: 0 });
    });
});
