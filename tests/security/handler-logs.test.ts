import * as assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from "@aws-sdk/client-kinesis";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { KinesisStreamBatchResponse, KinesisStreamRecord } from "aws-lambda";
import { createSplitterHandler, type SplitterResult } from "../../handlers/splitter";
import { createWriterHandler } from "../../handlers/writer";
import { encodeRecord } from "../../handlers/shared/record-envelope";
import { splitterEnvironment, writerEnvironment } from "../../handlers/shared/environment";
import { kinesisEvent, kinesisRecordFactory, s3ObjectCreatedEvent } from "../support/lambda-events";
import { createBucket, createQueue, createStream, startHarness, stopHarness, type RuntimeHarness } from "../support/runtime-harness";
import { runSerializedHandler, sandboxEnvironment } from "../callbacks/run-serialized-handler";

/**
 * The handlers as deployed (serialized, in a fresh node process, on the real stand-ins, logging at
 * DEBUG) get lines whose content carries a unique marker: valid lines, poison of every kind, a
 * line too large, duplicates, and a batch whose every write fails. Logs may name ids, keys, line
 * numbers and lengths; the marker must never appear in them.
 */
describe("handler logs never contain a record's content", function () {
    this.timeout(60_000);
    const MARKER = `SECRET-${randomUUID()}`;
    const SOURCE_KEY = "incoming/products.jsonl";
    let harness: RuntimeHarness;
    let bucket: string;
    let output: string;
    let stream: string;
    let queueUrl: string;
    const logs: string[] = [];

    const lines = [
        JSON.stringify({ original_id: "ok-1", secret: MARKER }),
        JSON.stringify({ original_id: "dup", secret: MARKER, v: 1 }),
        `not json ${MARKER}`,
        JSON.stringify([MARKER]),
        JSON.stringify({ original_id: `../${MARKER}`, secret: MARKER }),
        JSON.stringify({ original_id: "no-utf8", secret: MARKER }).replace("}", ',"x":"\xff"}'),
        JSON.stringify({ original_id: "huge", secret: MARKER, pad: MARKER.repeat(Math.ceil((1024 * 1024) / MARKER.length)) }),
        JSON.stringify({ original_id: "dup", secret: MARKER, v: 2 }),
    ];

    before(async () => {
        harness = await startHarness();
        [bucket, output, queueUrl] = await Promise.all([createBucket(harness), createBucket(harness), createQueue(harness)]);
        stream = (await createStream(harness, 1)).streamName;
    });
    after(async () => stopHarness(harness));

    const withDebug = (env: Record<string, string>) => ({ ...env, POWERTOOLS_LOG_LEVEL: "DEBUG" });
    const writerEnv = (outputBucket: string) =>
        withDebug(sandboxEnvironment(harness.standIns.endpoints, writerEnvironment({ outputBucket, deadLetterQueueUrl: queueUrl, outputKeyTemplate: "product_{original_id}.json", writerConcurrency: 4 })));

    async function streamRecords(): Promise<KinesisStreamRecord[]> {
        const { Shards = [] } = await harness.kinesis.send(new ListShardsCommand({ StreamName: stream }));
        const { ShardIterator } = await harness.kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: Shards[0].ShardId, ShardIteratorType: "TRIM_HORIZON" }));
        const { Records = [] } = await harness.kinesis.send(new GetRecordsCommand({ ShardIterator }));
        return Records.map((record) => kinesisRecordFactory(Buffer.from(record.Data!), { sequenceNumber: record.SequenceNumber, partitionKey: record.PartitionKey, streamName: stream }));
    }

    it("the splitter logs no line of the file it splits", async () => {
        const file = Buffer.concat(lines.map((text) => Buffer.from(text + "\n", "latin1")));
        const { ETag } = await harness.s3.send(new PutObjectCommand({ Bucket: bucket, Key: SOURCE_KEY, Body: file }));
        const env = withDebug(sandboxEnvironment(harness.standIns.endpoints, splitterEnvironment({ streamName: stream, deadLetterQueueUrl: queueUrl, partitionKey: "field:original_id", maxChainInvocations: 1000 })));
        const run = await runSerializedHandler<SplitterResult>(createSplitterHandler, s3ObjectCreatedEvent({ bucket, key: SOURCE_KEY, eTag: ETag!.replace(/"/g, ""), size: file.length }), env, "logs-splitter");
        logs.push(run.logs);
        assert.deepEqual([run.result.recordsPut, run.result.deadLettered], [7, 1]);
        assert.ok(run.logs.includes(SOURCE_KEY), "the splitter logged nothing about the object");
        assert.equal(run.logs.includes(MARKER), false, "a line's content is in the splitter's logs");
    });

    it("the writer logs no record it writes, dead-letters or supersedes", async () => {
        const records = await streamRecords();
        assert.equal(records.length, 7);
        records.push(kinesisRecordFactory(`not an envelope ${MARKER}`), kinesisRecordFactory(encodeRecord({ bucket, key: SOURCE_KEY, line: 99 }, Buffer.from(`{"original_id":"\u0000${MARKER}"}`))));
        const run = await runSerializedHandler<KinesisStreamBatchResponse>(createWriterHandler, kinesisEvent(records), writerEnv(output), "logs-writer");
        logs.push(run.logs);
        assert.deepEqual(run.result.batchItemFailures, []);
        assert.match(run.logs, /dead-lettered/);
        assert.match(run.logs, /duplicate output key/);
        assert.equal(run.logs.includes(MARKER), false, "a record's content is in the writer's logs");
    });

    it("the writer logs no record when every write fails and the batch is retried", async () => {
        const records = (await streamRecords()).slice(0, 2);
        const failure = await runSerializedHandler(createWriterHandler, kinesisEvent(records), writerEnv(`missing-${randomUUID().slice(0, 8)}`), "logs-writer-failing").then(
            () => assert.fail("writes to a missing bucket succeeded"),
            (error: Error) => error.message,
        );
        assert.match(failure, /record failed; reported for retry/);
        assert.equal(failure.includes(MARKER), false, "a record's content is in the failing writer's logs or error");
    });

    it("logged something at every level it was given, so the checks above had logs to look at", () => {
        const all = logs.join("\n");
        assert.match(all, /"level":"INFO"/);
        assert.match(all, /"level":"WARN"/);
    });
});
