import * as assert from "node:assert/strict";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client, type S3Client as S3ClientType } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { startAwsProfile, type AwsProfileProxy } from "../../runtime/aws-profile";
import { manualClock, s3Client, useStandIns } from "./fixtures";

const NO_LATENCY = { putRecordsLatencyMs: 0, getRecordsLatencyMs: [0, 0] as [number, number], s3PutObjectLatencyMs: 0, s3GetObjectLatencyMs: 0, otherLatencyMs: 0 };

/**
 * S3's request rate per prefix ("Best practices design patterns: optimizing Amazon S3 performance"):
 * "at least 3,500 PUT/COPY/POST/DELETE or 5,500 GET/HEAD requests per second per partitioned Amazon
 * S3 prefix"; above it, 503 SlowDown. The tests lower the rate to 5 per second so a burst is small.
 */
describe("AWS profile: S3's PUT rate per prefix", function () {
    this.timeout(30_000);
    const standIns = useStandIns();
    let proxy: AwsProfileProxy;
    let s3: S3ClientType;
    let clock: ReturnType<typeof manualClock>;
    let bucket: string;
    let counter = 0;

    beforeEach(async () => {
        clock = manualClock();
        proxy = await startAwsProfile(standIns().endpoints, { ...NO_LATENCY, s3PutRequestsPerSecondPerPrefix: 5, clock });
        s3 = s3Client(proxy.s3Endpoint);
        bucket = `slowdown-${process.pid}-${++counter}`;
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    });
    afterEach(async () => {
        s3.destroy();
        await proxy.close();
    });

    const put = (client: S3ClientType, key: string) =>
        client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "x" })).then(
            () => "ok",
            (error: Error) => error.name,
        );

    it("answers 503 SlowDown to the PUT over the rate on one prefix, and not on another prefix or to reads", async () => {
        const outcomes: string[] = [];
        for (let index = 0; index < 6; index++) outcomes.push(await put(s3, `product_${index}.json`));
        const otherPrefix = await put(s3, "other/product_0.json");
        const read = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "product_0.json" })).then(() => "ok");
        clock.advance(1000);
        const after = await put(s3, "product_6.json");

        assert.deepEqual(outcomes, ["ok", "ok", "ok", "ok", "ok", "SlowDown"]);
        assert.equal(otherPrefix, "ok");
        assert.equal(read, "ok");
        assert.equal(after, "ok", "a second later the prefix has its rate again");
        assert.equal(proxy.stats().s3.slowDowns, 1);
    });

    it("is retried by the SDK: a client with its default 3 attempts sends a refused PUT three times", async () => {
        for (let index = 0; index < 5; index++) await put(s3, `product_${index}.json`);
        const retrying = new S3Client({
            region: "us-east-1",
            endpoint: proxy.s3Endpoint,
            credentials: { accessKeyId: "test", secretAccessKey: "test" },
            forcePathStyle: true,
            requestHandler: new NodeHttpHandler(),
        });
        try {
            const outcome = await put(retrying, "product_5.json");
            assert.equal(outcome, "SlowDown");
            assert.equal(proxy.stats().s3.slowDowns, 3, "the first attempt and the SDK's two retries");
        } finally {
            retrying.destroy();
        }
    });
});
