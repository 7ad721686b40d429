import * as assert from "node:assert/strict";
import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { mockClient } from "aws-sdk-client-mock";
import { putRecordsWithRetry, PutRecordsFailedError, type RetryPolicy } from "../../handlers/splitter/put-records";
import type { PendingRecord } from "../../handlers/splitter/record-batcher";

const fast: RetryPolicy = { attempts: 4, firstDelayMs: 1, maxDelayMs: 2 };

function records(n: number): PendingRecord[] {
    return Array.from({ length: n }, (_, i) => ({
        data: Buffer.from(`line ${i + 1}`),
        partitionKey: `key-${i + 1}`,
        source: { bucket: "in", key: "f.jsonl", line: i + 1 },
    }));
}

const ok = (shard = "shardId-000000000000") => ({ SequenceNumber: "1", ShardId: shard });
const throttled = { ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "Rate exceeded for shard" };
const internal = { ErrorCode: "InternalFailure", ErrorMessage: "Internal service failure." };

describe("putRecordsWithRetry", () => {
    // Mocks are made per describe and restored after it, so test files don't replace each other's.
    const mockKinesis = () => mockClient(KinesisClient);
    let kinesis: ReturnType<typeof mockKinesis>;
    before(() => (kinesis = mockKinesis()));
    after(() => kinesis.restore());
    afterEach(() => kinesis.reset());

    it("sends all records in one request when none fail", async () => {
        kinesis.on(PutRecordsCommand).resolves({ FailedRecordCount: 0, Records: [ok(), ok(), ok()] });
        const outcome = await putRecordsWithRetry(new KinesisClient({}), "stream", records(3), fast);
        assert.deepEqual(outcome, { requests: 1, retriedEntries: 0, unsent: [] });
        assert.equal(kinesis.commandCalls(PutRecordsCommand)[0].args[0].input.StreamName, "stream");
    });

    it("retries only the entries that failed, in their original order", async () => {
        kinesis
            .on(PutRecordsCommand)
            .resolvesOnce({ FailedRecordCount: 2, Records: [ok(), throttled, ok(), internal] })
            .resolvesOnce({ FailedRecordCount: 1, Records: [ok(), throttled] })
            .resolvesOnce({ FailedRecordCount: 0, Records: [ok()] });
        const outcome = await putRecordsWithRetry(new KinesisClient({}), "stream", records(4), fast);

        const sent = kinesis.commandCalls(PutRecordsCommand).map((call) => call.args[0].input.Records!.map((r) => r.PartitionKey));
        assert.deepEqual(sent, [["key-1", "key-2", "key-3", "key-4"], ["key-2", "key-4"], ["key-4"]]);
        assert.deepEqual(outcome, { requests: 3, retriedEntries: 3, unsent: [] });
    });

    it("sends a failed entry again with every later entry of its partition key, so that key's lines stay in order", async () => {
        const batch = records(4).map((record, i) => ({ ...record, partitionKey: ["A", "B", "A", "B"][i] }));
        kinesis
            .on(PutRecordsCommand)
            .resolvesOnce({ FailedRecordCount: 1, Records: [throttled, ok(), ok(), ok()] })
            .resolvesOnce({ FailedRecordCount: 0, Records: [ok(), ok()] });
        await putRecordsWithRetry(new KinesisClient({}), "stream", batch, fast);

        const sent = kinesis.commandCalls(PutRecordsCommand).map((call) => call.args[0].input.Records!.map((r) => Buffer.from(r.Data!).toString()));
        // Line 1 (key A) failed and line 3 (key A) went through: both go again, line 1 first, so line 3 stays the later one.
        assert.deepEqual(sent, [["line 1", "line 2", "line 3", "line 4"], ["line 1", "line 3"]]);
    });

    it("stops retrying when told the time is short, and returns the entries still unsent instead of throwing", async () => {
        kinesis
            .on(PutRecordsCommand)
            .resolvesOnce({ FailedRecordCount: 1, Records: [ok(), throttled, ok()] })
            .resolves({ FailedRecordCount: 1, Records: [throttled] });
        let asked = 0;
        const outcome = await putRecordsWithRetry(new KinesisClient({}), "stream", records(3), fast, () => ++asked >= 2);

        assert.equal(kinesis.commandCalls(PutRecordsCommand).length, 2, "one retry, then the time ran short");
        assert.deepEqual(outcome.unsent.map((record) => record.source.line), [2]);
        assert.equal(outcome.requests, 2);
    });

    it("throws an error naming how many entries failed and their error codes when retries run out", async () => {
        kinesis.on(PutRecordsCommand).callsFake((input: { Records: unknown[] }) =>
            input.Records.length === 3
                ? { FailedRecordCount: 2, Records: [ok(), throttled, internal] }
                : { FailedRecordCount: 2, Records: [throttled, internal] },
        );
        await assert.rejects(putRecordsWithRetry(new KinesisClient({}), "fanout", records(3), fast), (error: unknown) => {
            assert.ok(error instanceof PutRecordsFailedError);
            assert.equal(error.failedEntries, 2);
            assert.deepEqual(error.errorCodes, { ProvisionedThroughputExceededException: 1, InternalFailure: 1 });
            assert.match(error.message, /stream fanout still failed for 2 entries after 4 attempts/);
            return true;
        });
        assert.equal(kinesis.commandCalls(PutRecordsCommand).length, fast.attempts);
    });

    it("lets a whole-request error through without its own retries (the SDK retries those)", async () => {
        kinesis.on(PutRecordsCommand).rejects(Object.assign(new Error("Stream fanout not found"), { name: "ResourceNotFoundException" }));
        await assert.rejects(putRecordsWithRetry(new KinesisClient({}), "fanout", records(1), fast), { name: "ResourceNotFoundException" });
        assert.equal(kinesis.commandCalls(PutRecordsCommand).length, 1);
    });
});
