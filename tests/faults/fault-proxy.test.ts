import * as assert from "node:assert/strict";
import { GetRecordsCommand, GetShardIteratorCommand, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { startFaultProxy, type FaultProxy } from "../../runtime/faults/fault-proxy";
import { createStream, entries, kinesisClient, s3Client, useStandIns } from "../aws-profile/fixtures";

/**
 * `--fail-put-rate` and `--fail-write-rate`: the fault proxy in front of the real stand-ins fails
 * calls the way AWS does, and what it fails never reaches the stand-in.
 */
describe("the fault proxy", function () {
    this.timeout(30_000);
    const standIns = useStandIns();
    let proxy: FaultProxy | undefined;

    afterEach(async () => {
        await proxy?.close();
        proxy = undefined;
    });

    it("fails PutRecords entries inside a 200 response, with AWS's error codes, and forwards only the others", async () => {
        // Prepare
        const direct = kinesisClient(standIns().endpoints.kinesis);
        const { streamName, shards } = await createStream(direct, 1);
        proxy = await startFaultProxy(standIns().endpoints, { failPutRate: 0.3, failWriteRate: 0, seed: 7 });
        const viaProxy = kinesisClient(proxy.kinesisEndpoint);

        // Act
        const output = await viaProxy.send(new PutRecordsCommand({ StreamName: streamName, Records: entries(500, "key") }));

        // Assess
        const failed = (output.Records ?? []).filter((record) => record.ErrorCode);
        assert.equal(output.Records?.length, 500);
        assert.equal(output.FailedRecordCount, failed.length);
        assert.ok(failed.length > 100 && failed.length < 200, `about 30 % of 500 entries fail (got ${failed.length})`);
        assert.deepEqual(new Set(failed.map((record) => record.ErrorCode)), new Set(["ProvisionedThroughputExceededException", "InternalFailure"]));
        assert.ok(failed.every((record) => record.SequenceNumber === undefined && record.ErrorMessage));
        const { ShardIterator } = await direct.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shards[0].shardId, ShardIteratorType: "TRIM_HORIZON" }));
        const read = await direct.send(new GetRecordsCommand({ ShardIterator }));
        const stored = new Set((read.Records ?? []).map((record) => record.SequenceNumber));
        const succeeded = (output.Records ?? []).filter((record) => !record.ErrorCode).map((record) => record.SequenceNumber);
        assert.equal(stored.size, 500 - failed.length, "only the entries that did not fail are in the stream");
        assert.ok(succeeded.every((sequenceNumber) => stored.has(sequenceNumber)));
        assert.equal(proxy.stats().putEntries, 500);
        direct.destroy();
        viaProxy.destroy();
    });

    it("fails S3 PutObject with 500 InternalError or 503 SlowDown, and the failed object is not written", async () => {
        // Prepare
        const direct = s3Client(standIns().endpoints.s3);
        const bucket = `faults-${process.pid}-${Date.now()}`;
        await direct.send(new CreateBucketCommand({ Bucket: bucket }));
        proxy = await startFaultProxy(standIns().endpoints, { failPutRate: 0, failWriteRate: 0.5, seed: 3 });
        const viaProxy = s3Client(proxy.s3Endpoint);

        // Act
        const outcomes = await Promise.all(
            Array.from({ length: 40 }, (_, index) =>
                viaProxy.send(new PutObjectCommand({ Bucket: bucket, Key: `object-${index}`, Body: `body ${index}` })).then(
                    () => ({ key: `object-${index}`, error: undefined }),
                    (error: { name: string; $metadata?: { httpStatusCode?: number } }) => ({ key: `object-${index}`, error }),
                ),
            ),
        );

        // Assess
        const failed = outcomes.filter((outcome) => outcome.error);
        assert.ok(failed.length > 5 && failed.length < 35, `about half of 40 puts fail (got ${failed.length})`);
        for (const { error } of failed) {
            const expectedStatus = error!.name === "InternalError" ? 500 : error!.name === "SlowDown" ? 503 : undefined;
            assert.equal(error!.$metadata?.httpStatusCode, expectedStatus, `${error!.name} comes with its status`);
        }
        const present = await Promise.all(outcomes.map(({ key }) => direct.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(() => true, () => false)));
        outcomes.forEach((outcome, index) => assert.equal(present[index], outcome.error === undefined, `${outcome.key} is in the bucket only if its put succeeded`));
        direct.destroy();
        viaProxy.destroy();
    });

    it("lets the SDK's own retries carry every write through at a moderate failure rate", async () => {
        // Prepare
        const direct = s3Client(standIns().endpoints.s3);
        const bucket = `faults-retry-${process.pid}-${Date.now()}`;
        await direct.send(new CreateBucketCommand({ Bucket: bucket }));
        proxy = await startFaultProxy(standIns().endpoints, { failPutRate: 0, failWriteRate: 0.2, seed: 5 });
        const retrying = new S3Client({
            region: "us-east-1",
            endpoint: proxy.s3Endpoint,
            forcePathStyle: true,
            credentials: { accessKeyId: "test", secretAccessKey: "test" },
            requestHandler: new NodeHttpHandler(),
            maxAttempts: 5,
        });

        // Act
        await Promise.all(Array.from({ length: 30 }, (_, index) => retrying.send(new PutObjectCommand({ Bucket: bucket, Key: `k-${index}`, Body: "x" }))));

        // Assess
        const stats = proxy.stats();
        const failedPuts = Object.values(stats.failedPutObjects).reduce((sum, value) => sum + value, 0);
        assert.ok(failedPuts > 0, "some puts failed and were retried");
        assert.equal(stats.putObjects, 30 + failedPuts, "each failure was retried once more");
        direct.destroy();
        retrying.destroy();
    });
});
