import * as assert from "node:assert/strict";
import { PutRecordsCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import { CreateBucketCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { resolveAwsProfileOptions, SEED_CALIBRATION, startAwsProfile, type AwsProfileProxy } from "../../runtime/aws-profile";
import { LatencySampler } from "../../runtime/aws-profile/latency";
import { createStream, entries, kinesisClient, s3Client, useStandIns } from "./fixtures";

describe("AWS profile: latencies", () => {
    describe("the sampler", () => {
        it("draws the same delays from the same seed and different ones from another seed", () => {
            const draw = (seed: number) => {
                const sampler = new LatencySampler(resolveAwsProfileOptions({ seed }));
                return Array.from({ length: 20 }, () => sampler.sampleMs("get-records"));
            };
            assert.deepEqual(draw(7), draw(7));
            assert.notDeepEqual(draw(7), draw(8));
        });

        it("keeps GetRecords inside its range and a single figure within 10 % of it", () => {
            const sampler = new LatencySampler(resolveAwsProfileOptions({ getRecordsLatencyMs: [5, 18], s3PutObjectLatencyMs: 50 }));
            for (let i = 0; i < 1000; i++) {
                const getRecords = sampler.sampleMs("get-records");
                const putObject = sampler.sampleMs("s3-put-object");
                assert.ok(getRecords >= 5 && getRecords <= 18, `GetRecords ${getRecords} ms`);
                assert.ok(putObject >= 45 && putObject <= 55, `PutObject ${putObject} ms`);
            }
        });
    });

    describe("the options", () => {
        it("fill in the seed's calibration for anything left out", () => {
            const resolved = resolveAwsProfileOptions({ putRecordsLatencyMs: 3 });
            assert.equal(resolved.putRecordsLatencyMs, 3);
            assert.equal(resolved.s3PutObjectLatencyMs, SEED_CALIBRATION.s3PutObjectLatencyMs);
            assert.equal(resolved.shardWriteRecordsPerSecond, 1000);
            assert.equal(resolved.shardWriteBytesPerSecond, 1024 * 1024);
            assert.equal(resolved.shardGetRecordsPerSecond, 5);
            assert.equal(resolved.shardReadBytesPerSecond, 2 * 1024 * 1024);
        });

        it("refuse a negative latency, an inverted range and a zero rate, naming what is allowed", () => {
            assert.throws(() => resolveAwsProfileOptions({ putRecordsLatencyMs: -1 }), /putRecordsLatencyMs is -1; it must be a finite number of milliseconds >= 0/);
            assert.throws(() => resolveAwsProfileOptions({ getRecordsLatencyMs: [18, 5] }), /low must not exceed high/);
            assert.throws(() => resolveAwsProfileOptions({ shardGetRecordsPerSecond: 0 }), /must be a rate > 0 per second/);
        });
    });

    describe("through the proxy", () => {
        const standIns = useStandIns();
        let proxy: AwsProfileProxy;
        let kinesis: KinesisClient;
        let s3: S3Client;
        const configured = { putRecordsLatencyMs: 60, s3PutObjectLatencyMs: 80 };

        before(async () => {
            proxy = await startAwsProfile(standIns().endpoints, { ...configured, otherLatencyMs: 0 });
            kinesis = kinesisClient(proxy.kinesisEndpoint);
            s3 = s3Client(proxy.s3Endpoint);
        });
        after(async () => {
            kinesis.destroy();
            s3.destroy();
            await proxy.close();
        });

        it("makes a PutRecords call take at least about its configured latency", async () => {
            const { streamName } = await createStream(kinesis, 1);
            for (let call = 0; call < 3; call++) {
                const started = performance.now();
                await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: entries(1, "test") }));
                const tookMs = performance.now() - started;
                assert.ok(tookMs >= 0.8 * configured.putRecordsLatencyMs, `PutRecords took ${tookMs.toFixed(1)} ms`);
            }
        });

        it("makes an S3 PutObject take at least about its configured latency", async () => {
            await s3.send(new CreateBucketCommand({ Bucket: "aws-profile-latency" }));
            for (let call = 0; call < 3; call++) {
                const started = performance.now();
                await s3.send(new PutObjectCommand({ Bucket: "aws-profile-latency", Key: `k${call}`, Body: "x" }));
                const tookMs = performance.now() - started;
                assert.ok(tookMs >= 0.8 * configured.s3PutObjectLatencyMs, `PutObject took ${tookMs.toFixed(1)} ms`);
            }
            assert.ok(proxy.stats().addedDelayMs > 0);
        });
    });
});
