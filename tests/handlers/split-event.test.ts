import * as assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from "@aws-sdk/client-kinesis";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { splitEvent } from "../../handlers/splitter/split-event";
import type { SplitterDeps } from "../../handlers/splitter/split-object";
import { PutRecordsFailedError } from "../../handlers/splitter/put-records";
import { parsePartitionKey, lineHashKey } from "../../handlers/shared/partition-key";
import { decodeRecord, envelopeOverhead, KINESIS_RECORD_MAX_BYTES } from "../../handlers/shared/record-envelope";
import type { DeadLetterMessage } from "../../handlers/shared/dead-letter";
import { lambdaContext, s3ObjectCreatedEvent } from "../support/lambda-events";
import { body, chunked, DLQ_URL, splitterDeps } from "./fakes";

const BUCKET = "fanout-input";
const ETAG = "0f343b0931126a20f133d67c2b018a3b";

describe("splitEvent (the splitter's logic, against mocked AWS clients)", () => {
    // Mocks are made per describe and restored after it, so test files don't replace each other's.
    const mocks = () => ({ s3: mockClient(S3Client), kinesis: mockClient(KinesisClient), sqs: mockClient(SQSClient) });
    let s3: ReturnType<typeof mocks>["s3"];
    let kinesis: ReturnType<typeof mocks>["kinesis"];
    let sqs: ReturnType<typeof mocks>["sqs"];
    before(() => ({ s3, kinesis, sqs } = mocks()));
    after(() => [s3, kinesis, sqs].forEach((mock) => mock.restore()));

    beforeEach(() => {
        s3.reset();
        kinesis.reset();
        sqs.reset();
        kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
            FailedRecordCount: 0,
            Records: input.Records!.map((_, i) => ({ SequenceNumber: String(i), ShardId: "shardId-000000000000" })),
        }));
        sqs.on(SendMessageCommand).resolves({ MessageId: "m-1" });
    });

    // No Lambda client: these invocations never run short of time.
    const deps = (partitionKey = "field:original_id"): SplitterDeps => splitterDeps({ partitionKey: parsePartitionKey(partitionKey) }, { lambda: undefined });

    function serveObject(key: string, ...chunks: (string | Buffer)[]) {
        s3.on(GetObjectCommand, { Bucket: BUCKET, Key: key }).callsFake(() => ({ Body: body(...chunks), ETag: `"${ETAG}"` }));
    }

    function putRequests(): PutRecordsCommandInput[] {
        return kinesis.commandCalls(PutRecordsCommand).map((call) => call.args[0].input);
    }

    function recordsPut() {
        return putRequests().flatMap((input) =>
            input.Records!.map((record) => ({ ...decodeRecord(Buffer.from(record.Data!)), partitionKey: record.PartitionKey! })),
        );
    }

    function deadLetters(): DeadLetterMessage[] {
        return sqs.commandCalls(SendMessageCommand).map((call) => JSON.parse(call.args[0].input.MessageBody!));
    }

    const run = (d: SplitterDeps, ...objects: { key: string; eTag?: string }[]) =>
        splitEvent(s3ObjectCreatedEvent(...objects.map((o) => ({ bucket: BUCKET, eTag: ETAG, ...o }))), d, lambdaContext("splitter"));

    it("puts one record per non-blank line with its exact bytes, stripping a BOM and CRs and counting blank lines", async () => {
        // Prepare
        const file = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"original_id":1}\r\n\r\n{"original_id":"b"}\r\n  \n{"original_id":3,"name":"é"}')]);
        serveObject("in/items.jsonl", file);
        // Act
        const result = await run(deps(), { key: "in/items.jsonl" });
        // Assess
        const records = recordsPut();
        assert.deepEqual(
            records.map((r) => [r.source.line, r.body.toString("utf8"), r.partitionKey]),
            [
                [1, '{"original_id":1}', "1"],
                [3, '{"original_id":"b"}', "b"],
                [5, '{"original_id":3,"name":"é"}', "3"],
            ],
        );
        assert.deepEqual(records[0].source, { bucket: BUCKET, key: "in/items.jsonl", line: 1, etag: ETAG });
        assert.equal(putRequests()[0].StreamName, "fanout-stream");
        assert.deepEqual(
            { objects: result.objects, lines: result.lines, recordsPut: result.recordsPut, blankLines: result.blankLines, deadLettered: result.deadLettered },
            { objects: 1, lines: 5, recordsPut: 3, blankLines: 2, deadLettered: 0 },
        );
    });

    it("reads the object under its decoded key, pinned to the event's ETag", async () => {
        const key = "in/my file+ü 商品.jsonl";
        serveObject(key, '{"original_id":1}\n');
        await run(deps(), { key });
        const input = s3.commandCalls(GetObjectCommand)[0].args[0].input;
        assert.equal(input.Key, key);
        assert.equal(input.IfMatch, `"${ETAG}"`);
        assert.equal(recordsPut()[0].source.key, key);
    });

    it("sends 1,201 lines as PutRecords requests of 500, 500 and 201 records", async () => {
        const lines = Array.from({ length: 1201 }, (_, i) => `{"original_id":${i + 1}}`).join("\n");
        serveObject("in/big.jsonl", ...chunked(Buffer.from(lines), 4096));
        const result = await run(deps(), { key: "in/big.jsonl" });
        assert.deepEqual(
            putRequests().map((input) => input.Records!.length),
            [500, 500, 201],
        );
        assert.equal(result.putRequests, 3);
        assert.deepEqual(
            recordsPut().map((r) => r.source.line),
            Array.from({ length: 1201 }, (_, i) => i + 1),
        );
    });

    it("keeps every PutRecords request within 5 MiB of data and partition keys", async () => {
        const line = `{"original_id":1,"pad":"${"x".repeat(1_000_000)}"}`;
        serveObject("in/wide.jsonl", ...chunked(Buffer.from(Array(6).fill(line).join("\n")), 65536));
        await run(deps(), { key: "in/wide.jsonl" });
        const sizes = putRequests().map((input) => input.Records!.reduce((sum, r) => sum + r.Data!.length + Buffer.byteLength(r.PartitionKey!), 0));
        assert.deepEqual(
            putRequests().map((input) => input.Records!.length),
            [5, 1],
        );
        for (const size of sizes) assert.ok(size <= 5 * 1024 * 1024, `request of ${size} bytes`);
    });

    it("dead-letters a line too large for a Kinesis record and goes on with the rest of the file", async () => {
        const huge = "y".repeat(KINESIS_RECORD_MAX_BYTES);
        serveObject("in/mixed.jsonl", ...chunked(Buffer.from(`{"original_id":1}\n${huge}\n{"original_id":3}\n`), 65536));
        const result = await run(deps(), { key: "in/mixed.jsonl" });
        assert.deepEqual(
            recordsPut().map((r) => r.source.line),
            [1, 3],
        );
        const [message] = deadLetters();
        assert.equal(sqs.commandCalls(SendMessageCommand)[0].args[0].input.QueueUrl, DLQ_URL);
        assert.equal(message.reason, "line-too-large");
        assert.equal(message.stage, "splitter");
        assert.deepEqual(message.source, { bucket: BUCKET, key: "in/mixed.jsonl", line: 2, etag: ETAG });
        assert.equal(message.bytes, KINESIS_RECORD_MAX_BYTES);
        assert.equal(message.data, undefined);
        assert.equal(result.deadLettered, 1);
        assert.equal(result.lines, result.recordsPut + result.blankLines + result.deadLettered);
    });

    it("puts a record of exactly 1 MiB (envelope, line and partition key) and dead-letters one a byte larger", async () => {
        const key = "in/edge.jsonl";
        const fits = KINESIS_RECORD_MAX_BYTES - envelopeOverhead({ bucket: BUCKET, key, line: 1, etag: ETAG }) - "k".length;
        serveObject(key, ...chunked(Buffer.from(`${"a".repeat(fits)}\n${"b".repeat(fits + 1)}`), 65536));
        const result = await run(deps("constant:k"), { key });
        assert.deepEqual(
            recordsPut().map((r) => [r.source.line, r.body.length]),
            [[1, fits]],
        );
        assert.deepEqual(
            deadLetters().map((m) => [m.source?.line, m.bytes, m.partitionKey]),
            [[2, fits + 1, "k"]],
        );
        assert.equal(result.deadLettered, 1);
    });

    it("gunzips an object that starts with the gzip magic bytes, and says so", async () => {
        const text = '{"original_id":1}\r\n{"original_id":2}\n';
        serveObject("in/items.jsonl.gz", ...chunked(gzipSync(Buffer.from(text)), 7));
        const result = await run(deps(), { key: "in/items.jsonl.gz" });
        assert.deepEqual(
            recordsPut().map((r) => r.body.toString()),
            ['{"original_id":1}', '{"original_id":2}'],
        );
        assert.equal(result.gzipObjects, 1);
        assert.equal(result.details[0].gzip, true);
    });

    it("fails the invocation when a gzip object is corrupt, rather than putting garbage", async () => {
        const gz = gzipSync(Buffer.from('{"original_id":1}\n'.repeat(100)));
        serveObject("in/broken.gz", gz.subarray(0, 30), Buffer.from("not gzip at all"));
        await assert.rejects(run(deps(), { key: "in/broken.gz" }), /incorrect header|invalid|unexpected end/i);
    });

    it("skips an object replaced after its event (412) and one deleted before it was read, and splits the others", async () => {
        s3.on(GetObjectCommand, { Key: "in/replaced.jsonl" }).rejects(
            Object.assign(new Error("At least one of the pre-conditions you specified did not hold"), { name: "PreconditionFailed", $metadata: { httpStatusCode: 412 } }),
        );
        s3.on(GetObjectCommand, { Key: "in/deleted.jsonl" }).rejects(
            Object.assign(new Error("The specified key does not exist."), { name: "NoSuchKey", $metadata: { httpStatusCode: 404 } }),
        );
        serveObject("in/fine.jsonl", '{"original_id":1}\n');
        const result = await run(deps(), { key: "in/replaced.jsonl" }, { key: "in/deleted.jsonl" }, { key: "in/fine.jsonl" });
        assert.deepEqual(
            result.details.map((d) => [d.key, d.status]),
            [
                ["in/replaced.jsonl", "replaced"],
                ["in/deleted.jsonl", "missing"],
                ["in/fine.jsonl", "split"],
            ],
        );
        assert.deepEqual([result.objects, result.replacedObjects, result.missingObjects, result.recordsPut], [1, 1, 1, 1]);
    });

    it("lets other GetObject errors fail the invocation", async () => {
        s3.on(GetObjectCommand).rejects(Object.assign(new Error("Access Denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } }));
        await assert.rejects(run(deps(), { key: "in/secret.jsonl" }), { name: "AccessDenied" });
    });

    it("retries failed entries and reports how many were retried", async () => {
        serveObject("in/items.jsonl", '{"original_id":1}\n{"original_id":2}\n');
        kinesis
            .on(PutRecordsCommand)
            .resolvesOnce({ FailedRecordCount: 1, Records: [{ SequenceNumber: "1", ShardId: "s" }, { ErrorCode: "InternalFailure" }] })
            .resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: "2", ShardId: "s" }] });
        const result = await run(deps(), { key: "in/items.jsonl" });
        assert.deepEqual([result.recordsPut, result.putRequests, result.retriedEntries], [2, 2, 1]);
        assert.deepEqual(
            putRequests()[1].Records!.map((r) => r.PartitionKey),
            ["2"],
        );
    });

    it("throws when PutRecords entries keep failing, so nothing is dropped silently", async () => {
        serveObject("in/items.jsonl", '{"original_id":1}\n');
        kinesis.on(PutRecordsCommand).resolves({ FailedRecordCount: 1, Records: [{ ErrorCode: "ProvisionedThroughputExceededException" }] });
        await assert.rejects(run(deps(), { key: "in/items.jsonl" }), PutRecordsFailedError);
    });

    it("uses the line-hash key when the partition key field is missing or the line is not JSON", async () => {
        serveObject("in/odd.jsonl", '{"other":1}\nnot json\n{"original_id":"x"}\n');
        await run(deps(), { key: "in/odd.jsonl" });
        assert.deepEqual(
            recordsPut().map((r) => r.partitionKey),
            [lineHashKey("in/odd.jsonl", 1), lineHashKey("in/odd.jsonl", 2), "x"],
        );
    });

    it("keys records by the line-hash or a constant when so configured", async () => {
        serveObject("in/a.jsonl", '{"original_id":1}\n{"original_id":2}\n');
        await run(deps("line-hash"), { key: "in/a.jsonl" });
        assert.deepEqual(
            recordsPut().map((r) => r.partitionKey),
            [lineHashKey("in/a.jsonl", 1), lineHashKey("in/a.jsonl", 2)],
        );
        kinesis.resetHistory();
        await run(deps("constant:test"), { key: "in/a.jsonl" });
        assert.deepEqual(
            recordsPut().map((r) => r.partitionKey),
            ["test", "test"],
        );
    });

    it("puts nothing for an empty object or one of only blank lines", async () => {
        serveObject("in/empty.jsonl");
        serveObject("in/blank.jsonl", "\n\r\n \n");
        const result = await run(deps(), { key: "in/empty.jsonl" }, { key: "in/blank.jsonl" });
        assert.equal(kinesis.commandCalls(PutRecordsCommand).length, 0);
        assert.deepEqual([result.objects, result.lines, result.blankLines], [2, 3, 3]);
    });

    it("ignores records that are not ObjectCreated, and an s3:TestEvent without records", async () => {
        const d = deps();
        const removed = await splitEvent(
            s3ObjectCreatedEvent({ bucket: BUCKET, key: "in/x.jsonl", eventName: "ObjectRemoved:Delete" }),
            d,
            lambdaContext(),
        );
        const testEvent = await splitEvent({ Service: "Amazon S3", Event: "s3:TestEvent" } as never, d, lambdaContext());
        assert.equal(s3.commandCalls(GetObjectCommand).length, 0);
        assert.equal(removed.objects + testEvent.objects, 0);
    });
});
