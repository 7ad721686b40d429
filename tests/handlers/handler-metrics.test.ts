import * as assert from "node:assert/strict";
import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from "@aws-sdk/client-kinesis";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { createMetricTally, type MetricTally } from "../../handlers/shared/metrics";
import { parseOutputKeyTemplate } from "../../handlers/shared/output-key";
import { encodeRecord, KINESIS_RECORD_MAX_BYTES } from "../../handlers/shared/record-envelope";
import { splitEvent } from "../../handlers/splitter/split-event";
import type { SplitterDeps } from "../../handlers/splitter/split-object";
import { writeBatch, type WriterDeps } from "../../handlers/writer/write-batch";
import { kinesisEvent, kinesisRecordFactory, lambdaContext, s3ObjectCreatedEvent } from "../support/lambda-events";
import { body, DLQ_URL, silentLogger, splitterDeps } from "./fakes";

const BUCKET = "fanout-input";
const ETAG = "0f343b0931126a20f133d67c2b018a3b";
const valid = (id: number) => JSON.stringify({ original_id: id, name: `item ${id}` });
const tooLarge = `{"original_id":"huge","pad":"${"x".repeat(KINESIS_RECORD_MAX_BYTES)}"}`;

/** What each handler counts for its metrics, through the tally it is given (handlers/shared/metrics.ts). */
describe("what the handlers count for their metrics (against mocked AWS clients)", () => {
    const mocks = () => ({ s3: mockClient(S3Client), kinesis: mockClient(KinesisClient), sqs: mockClient(SQSClient), lambda: mockClient(LambdaClient) });
    let m: ReturnType<typeof mocks>;
    let tally: MetricTally;
    before(() => (m = mocks()));
    after(() => Object.values(m).forEach((mock) => mock.restore()));

    beforeEach(() => {
        Object.values(m).forEach((mock) => mock.reset());
        tally = createMetricTally();
        m.kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
            FailedRecordCount: 0,
            Records: input.Records!.map((_, i) => ({ SequenceNumber: String(i), ShardId: "shardId-000000000000" })),
        }));
        m.sqs.on(SendMessageCommand).resolves({ MessageId: "m-1" });
        m.lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
        m.s3.on(PutObjectCommand).resolves({ ETag: '"e"' });
    });

    const metricDeps = (): SplitterDeps => splitterDeps({}, { metrics: tally });

    function writerDeps(): WriterDeps {
        return {
            s3: new S3Client({ region: "us-east-1" }),
            sqs: new SQSClient({ region: "us-east-1" }),
            config: { outputBucket: "fanout-output", deadLetterQueueUrl: DLQ_URL, outputKeyTemplate: parseOutputKeyTemplate("product_{original_id}.json"), concurrency: 4 },
            logger: silentLogger(),
            metrics: tally,
        };
    }

    const serve = (...lines: string[]) => m.s3.on(GetObjectCommand).callsFake(() => ({ Body: body(lines.join("\n")), ETag: `"${ETAG}"` }));
    const split = (context: Context = lambdaContext("splitter")) =>
        splitEvent(s3ObjectCreatedEvent({ bucket: BUCKET, key: "in/items.jsonl", eTag: ETAG }), metricDeps(), context);
    const lineRecord = (line: number, text: string) => kinesisRecordFactory(encodeRecord({ bucket: BUCKET, key: "in/items.jsonl", line }, Buffer.from(text)));

    it("counts a splitter invocation's lines split, records put, entries retried and the line too large by reason", async () => {
        // Prepare: the first PutRecords fails one entry inside its 200 response.
        serve(valid(1), "", tooLarge, valid(2), valid(3));
        let calls = 0;
        m.kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => {
            const failFirst = calls++ === 0;
            return {
                FailedRecordCount: failFirst ? 1 : 0,
                Records: input.Records!.map((_, i) => (failFirst && i === 0 ? { ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "slow down" } : { SequenceNumber: String(i), ShardId: "shardId-000000000000" })),
            };
        });
        // Act
        await split();
        // Assess
        assert.deepEqual(tally.counts(), {
            totals: { LinesSplit: 5, RecordsPut: 3, RecordsRetried: 1, LinesDeadLettered: 1 },
            deadLetteredByReason: { "line-too-large": 1 },
        });
    });

    it("counts a hand-off, and only the lines this invocation accounted for", async () => {
        // Prepare: the time runs out before the third line.
        serve(valid(1), valid(2), valid(3), valid(4));
        let asked = -1;
        const context = { ...lambdaContext("splitter"), getRemainingTimeInMillis: () => (++asked >= 2 ? 0 : 60_000) };
        // Act
        await split(context);
        // Assess
        assert.deepEqual(tally.counts().totals, { LinesSplit: 2, RecordsPut: 2, RecordsRetried: 0, HandOffs: 1 });
    });

    it("still counts what a splitter invocation did before PutRecords gave up and it failed", async () => {
        // Prepare: every entry fails, on every one of the 3 attempts.
        serve(valid(1), valid(2));
        m.kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
            FailedRecordCount: input.Records!.length,
            Records: input.Records!.map(() => ({ ErrorCode: "InternalFailure", ErrorMessage: "internal" })),
        }));
        // Act
        await assert.rejects(split(), { name: "PutRecordsFailedError" });
        // Assess: both lines were read, none acknowledged, each sent twice more.
        assert.deepEqual(tally.counts().totals, { RecordsRetried: 4, LinesSplit: 2, RecordsPut: 0 });
    });

    it("counts a writer batch's objects written, poison dead-lettered by reason and records failed", async () => {
        // Prepare: three valid lines, one of whose PutObject fails, and two poison lines.
        m.s3.on(PutObjectCommand, { Key: "product_2.json" }).rejects(Object.assign(new Error("We encountered an internal error."), { name: "InternalError" }));
        const records = [lineRecord(1, valid(1)), lineRecord(2, valid(2)), lineRecord(3, "{not json"), lineRecord(4, '{"original_id":"../x"}'), lineRecord(5, valid(5))];
        // Act
        const response = await writeBatch(kinesisEvent(records), writerDeps(), lambdaContext("writer"));
        // Assess
        assert.equal(response.batchItemFailures.length, 1);
        assert.deepEqual(tally.counts(), {
            totals: { ObjectsWritten: 2, RecordsFailed: 1, LinesDeadLettered: 2 },
            deadLetteredByReason: { "invalid-json": 1, "unsafe-id": 1 },
        });
    });

    it("counts every record of a writer batch that failed whole, though the invocation throws", async () => {
        m.s3.on(PutObjectCommand).rejects(Object.assign(new Error("Access Denied"), { name: "AccessDenied" }));
        await assert.rejects(writeBatch(kinesisEvent([lineRecord(1, valid(1)), lineRecord(2, valid(2)), lineRecord(3, valid(3))]), writerDeps(), lambdaContext("writer")));
        assert.deepEqual(tally.counts().totals, { RecordsFailed: 3 });
    });
});
