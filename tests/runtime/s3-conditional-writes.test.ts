import * as assert from "node:assert/strict";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { S3ConditionalWrites } from "../../runtime/standins/s3-conditional-writes";
import { REGION, startHarness, stopHarness, uniqueName, type RuntimeHarness } from "../support/runtime-harness";

/** S3's conditional writes (If-None-Match: *) in front of fauxqs, which ignores them, with the real SDK. */
describe("S3 conditional writes in front of the stand-in", function () {
    this.timeout(30_000);
    let harness: RuntimeHarness;
    let front: S3ConditionalWrites;
    let s3: S3Client;

    before(async () => {
        harness = await startHarness();
        front = await S3ConditionalWrites.start(harness.standIns.endpoints.s3!);
        s3 = new S3Client({ region: REGION, endpoint: front.endpoint, forcePathStyle: true, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
    });
    after(async () => {
        s3?.destroy();
        await front?.close();
        await stopHarness(harness);
    });

    it("writes the first If-None-Match PutObject of a key and answers every later one, even concurrent ones, with 412 PreconditionFailed", async () => {
        const bucket = uniqueName("claims");
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
        const outcomes = await Promise.allSettled(
            ["a", "b", "c", "d"].map((writer) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: "marker/1", Body: writer, IfNoneMatch: "*" }))),
        );
        const won = outcomes.filter((outcome) => outcome.status === "fulfilled");
        const lost = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
        assert.equal(won.length, 1);
        assert.deepEqual(lost.map((outcome) => [outcome.reason.name, outcome.reason.$metadata.httpStatusCode]), [["PreconditionFailed", 412], ["PreconditionFailed", 412], ["PreconditionFailed", 412]]);
        const stored = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "marker/1" }))).Body!.transformToString();
        assert.equal(stored, ["a", "b", "c", "d"][outcomes.findIndex((outcome) => outcome.status === "fulfilled")]);
    });

    it("lets a PutObject without the condition overwrite, as S3 does", async () => {
        const bucket = uniqueName("claims");
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "one", IfNoneMatch: "*" }));
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "two" }));
        assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "k" }))).Body!.transformToString(), "two");
    });
});
