import * as assert from "node:assert/strict";
import { DeleteObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { GetRecordsCommand, GetShardIteratorCommand } from "@aws-sdk/client-kinesis";
import { createSplitterHandler, type SplitterResult } from "../../handlers/splitter";
import { splitterEnvironment } from "../../handlers/shared/environment";
import { s3ObjectCreatedEvent } from "../support/lambda-events";
import { createBucket, createQueue, createStream, drainQueue, startHarness, stopHarness, type RuntimeHarness } from "../support/runtime-harness";
import { runSerializedHandler, sandboxEnvironment } from "../callbacks/run-serialized-handler";

/**
 * Objects that are bad before a line is read: a 0-byte object, and one deleted between its event
 * and the splitter's read. The splitter as deployed (serialized, in a fresh node process) gets the
 * S3 event on the real stand-ins; each case has one outcome and costs no retry.
 */
describe("bad input objects, given to the splitter as deployed", function () {
    this.timeout(60_000);
    let harness: RuntimeHarness;
    let bucket: string;
    let stream: string;
    let queueUrl: string;

    before(async () => {
        harness = await startHarness();
        bucket = await createBucket(harness);
        stream = (await createStream(harness)).streamName;
        queueUrl = await createQueue(harness);
    });
    after(async () => stopHarness(harness));

    async function split(key: string, eTag: string, size: number): Promise<SplitterResult> {
        const env = sandboxEnvironment(harness.standIns.endpoints, splitterEnvironment({ streamName: stream, deadLetterQueueUrl: queueUrl, partitionKey: "field:original_id", maxChainInvocations: 1000 }));
        const { result } = await runSerializedHandler<SplitterResult>(createSplitterHandler, s3ObjectCreatedEvent({ bucket, key, eTag, size }), env, "bad-input-splitter");
        return result;
    }

    async function recordsInStream(): Promise<number> {
        const { ShardIterator } = await harness.kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: "shardId-000000000000", ShardIteratorType: "TRIM_HORIZON" }));
        const { Records = [] } = await harness.kinesis.send(new GetRecordsCommand({ ShardIterator }));
        return Records.length;
    }

    it("splits a 0-byte object as an object of no lines: nothing put, nothing dead-lettered, no error", async () => {
        const { ETag } = await harness.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "empty.jsonl", Body: Buffer.alloc(0) }));
        const result = await split("empty.jsonl", ETag!.replace(/"/g, ""), 0);
        assert.deepEqual([result.objects, result.lines, result.recordsPut, result.deadLettered], [1, 0, 0, 0]);
        assert.equal(await recordsInStream(), 0);
        assert.deepEqual(await drainQueue(harness, queueUrl), []);
    });

    it("skips an object deleted before it is read, counting it as missing, and succeeds so Lambda doesn't retry", async () => {
        const { ETag } = await harness.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "gone.jsonl", Body: '{"original_id":"gone"}\n' }));
        await harness.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "gone.jsonl" }));
        const result = await split("gone.jsonl", ETag!.replace(/"/g, ""), 23);
        assert.deepEqual([result.objects, result.missingObjects, result.lines, result.recordsPut], [0, 1, 0, 0]);
        assert.equal(await recordsInStream(), 0);
        assert.deepEqual(await drainQueue(harness, queueUrl), []);
    });
});
