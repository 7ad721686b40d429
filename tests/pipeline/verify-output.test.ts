import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, PutObjectCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { deadLetterBody, deadLetterMessage, DeadLetterReason } from "../../handlers/shared/dead-letter";
import { expectedOutput, type ExpectedOutput } from "../../runtime/pipeline/expected-output";
import { classifyDeadLetters, verifyOutput, type DeadLetterContents } from "../../runtime/pipeline/verify-output";
import { listObjects, verdictFromListing } from "../../runtime/pipeline/verify-objects";
import { startHarness, stopHarness, uniqueName, type RuntimeHarness } from "../support/runtime-harness";
import { tempDir } from "../support/temp-dir";

/**
 * verifyOutput against a real bucket (fauxqs) that a test fills by hand: it must catch every
 * way the output can be wrong, and count only what it proved.
 */
const SOURCE_KEY = "in/products.jsonl";
const LINES = ['{"original_id":"a","v":"alpha"}', '{"original_id":"b","v":"bravo"}', '{"original_id":"c","v":"charlie"}', "not json"];

let harness: RuntimeHarness;
let expected: ExpectedOutput;

async function expectationFor(lines: string[]): Promise<ExpectedOutput> {
    const file = path.join(tempDir("verify-"), "products.jsonl");
    fs.writeFileSync(file, lines.join("\n") + "\n");
    return expectedOutput(file, { bucket: "in", key: SOURCE_KEY, outputKeyTemplate: "product_{original_id}.json", partitionKey: "field:original_id" });
}

function deadLetters(...entries: Array<[line: number, reason: (typeof DeadLetterReason)[keyof typeof DeadLetterReason]]>): DeadLetterContents {
    return classifyDeadLetters(
        entries.map(([line, reason]) =>
            deadLetterBody(deadLetterMessage({ stage: "writer", reason, detail: "test", source: { bucket: "in", key: SOURCE_KEY, line } }, Buffer.from(LINES[line - 1]))),
        ),
    );
}

/** A bucket holding `bodies` (key → body), each written with one PutObject. */
async function bucketWith(bodies: Record<string, string | Buffer>): Promise<string> {
    const bucket = uniqueName("out");
    await harness.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const [key, body] of Object.entries(bodies)) await harness.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    return bucket;
}

/** The right output: each valid line under its key. */
function correctBodies(): Record<string, string> {
    return { "product_a.json": LINES[0], "product_b.json": LINES[1], "product_c.json": LINES[2] };
}

/** The same bytes with the byte at `index` changed, so the length stays the same. */
function withOneByteChanged(body: string, index: number): Buffer {
    const bytes = Buffer.from(body);
    bytes[index] = bytes[index] === 0x61 ? 0x62 : 0x61;
    return bytes;
}

/** Writes `body` as a one-part multipart upload, whose ETag is `<md5 of the part MD5s>-1`, not the body's MD5. */
async function putMultipart(bucket: string, key: string, body: string | Buffer): Promise<void> {
    const { UploadId } = await harness.s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const { ETag } = await harness.s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: body }));
    await harness.s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } }));
}

function verify(bucket: string, contents: DeadLetterContents = deadLetters([4, DeadLetterReason.invalidJson])) {
    return verifyOutput({ s3: harness.s3, kinesis: harness.kinesis, outputBucket: bucket, streamName: "unused", sourceKey: SOURCE_KEY, expected, deadLetters: contents });
}

describe("verifying the output against the input", function () {
    this.timeout(60_000);

    before(async () => {
        harness = await startHarness();
        expected = await expectationFor(LINES);
    });
    after(() => stopHarness(harness));

    it("passes a bucket with exactly the expected objects and the invalid line dead-lettered for its reason", async () => {
        const verification = await verify(await bucketWith(correctBodies()));
        assert.deepEqual(verification.problems, []);
        assert.equal(verification.verified, true);
        assert.equal(verification.objectsWritten, 3);
        assert.equal(verification.accounted, 4);
    });

    it("catches a body of the same length with one byte changed, and does not count it as written", async () => {
        const bodies = { ...correctBodies(), "product_b.json": withOneByteChanged(LINES[1], 25) };
        assert.equal(bodies["product_b.json"].length, Buffer.byteLength(LINES[1]));
        const verification = await verify(await bucketWith(bodies));
        assert.equal(verification.verified, false);
        assert.deepEqual(verification.mismatched, ["product_b.json"]);
        assert.equal(verification.objectsWritten, 2);
        assert.match(verification.problems.join("\n"), /1 object\(s\) differ from their line, e.g\. product_b\.json/);
    });

    it("catches a body written in another case (a writer that upper-cases lines)", async () => {
        const bodies = Object.fromEntries(Object.entries(correctBodies()).map(([key, body]) => [key, body.toUpperCase()]));
        const verification = await verify(await bucketWith(bodies));
        assert.equal(verification.verified, false);
        assert.deepEqual([...verification.mismatched].sort(), ["product_a.json", "product_b.json", "product_c.json"]);
        assert.equal(verification.objectsWritten, 0);
    });

    it("catches a missing key", async () => {
        const { "product_c.json": _omitted, ...bodies } = correctBodies();
        const verification = await verify(await bucketWith(bodies));
        assert.equal(verification.verified, false);
        assert.deepEqual(verification.missing, ["product_c.json"]);
        assert.equal(verification.objectsWritten, 2);
        assert.match(verification.problems.join("\n"), /1 expected object\(s\) missing, e.g\. product_c\.json/);
    });

    it("catches an extra key that no line asks for", async () => {
        const verification = await verify(await bucketWith({ ...correctBodies(), "product_zz.json": '{"original_id":"zz"}' }));
        assert.equal(verification.verified, false);
        assert.deepEqual(verification.unexpected, ["product_zz.json"]);
        assert.equal(verification.objectsWritten, 3);
        assert.match(verification.problems.join("\n"), /1 object\(s\) no line asks for, e.g\. product_zz\.json/);
    });

    it("catches a dead letter with the wrong reason", async () => {
        const verification = await verify(await bucketWith(correctBodies()), deadLetters([4, DeadLetterReason.notAnObject]));
        assert.equal(verification.verified, false);
        assert.match(verification.problems.join("\n"), /1 line\(s\) dead-lettered for another reason than expected, e\.g\. line 4: not-an-object instead of invalid-json/);
    });

    it("catches an invalid line that was never dead-lettered", async () => {
        const verification = await verify(await bucketWith(correctBodies()), deadLetters());
        assert.equal(verification.verified, false);
        assert.deepEqual(verification.notDeadLettered, [4]);
        assert.match(verification.problems.join("\n"), /accounted for 3 of 4 lines/);
    });

    it("catches a valid line dead-lettered instead of written", async () => {
        const { "product_a.json": _omitted, ...bodies } = correctBodies();
        const verification = await verify(await bucketWith(bodies), deadLetters([1, DeadLetterReason.invalidJson], [4, DeadLetterReason.invalidJson]));
        assert.equal(verification.verified, false);
        assert.deepEqual(verification.validLinesDeadLettered, [1]);
    });

    it("proves objects written by single-part PutObject from the listing's ETags, without reading a body", async () => {
        const verification = await verify(await bucketWith(correctBodies()));
        assert.equal(verification.verified, true);
        assert.deepEqual(verification.judgedBy, { listing: 3, body: 0 });
    });

    it("catches a changed byte either way: where the ETag is the body's MD5 (it differs, and the body read confirms) and where it is not (a multipart ETag)", async () => {
        const bucket = await bucketWith({ "product_a.json": LINES[0], "product_b.json": withOneByteChanged(LINES[1], 25) });
        await putMultipart(bucket, "product_c.json", withOneByteChanged(LINES[2], 25));
        const listed = await listObjects(harness.s3, bucket);
        assert.match(listed.get("product_c.json")!.etag!, /-1$/, "a multipart upload's ETag is not the MD5 of the body");
        assert.equal(verdictFromListing(expected.objects.get("product_b.json")!, listed.get("product_b.json")), "read-body");
        assert.equal(verdictFromListing(expected.objects.get("product_c.json")!, listed.get("product_c.json")), "read-body");

        const verification = await verify(bucket);
        assert.deepEqual([...verification.mismatched].sort(), ["product_b.json", "product_c.json"]);
        assert.deepEqual(verification.judgedBy, { listing: 1, body: 2 });
        assert.equal(verification.objectsWritten, 1);
    });

    it("proves an object whose ETag is not an MD5 by reading its body", async () => {
        const { "product_c.json": _multipart, ...bodies } = correctBodies();
        const bucket = await bucketWith(bodies);
        await putMultipart(bucket, "product_c.json", LINES[2]);
        const verification = await verify(bucket);
        assert.deepEqual(verification.problems, []);
        assert.deepEqual(verification.judgedBy, { listing: 2, body: 1 });
        assert.equal(verification.objectsWritten, 3);
    });
});

describe("the verdict on one object from the bucket's listing", () => {
    const object = { line: 1, md5: "0123456789abcdef0123456789abcdef", bytes: 10 };

    it("is proven when the size and the ETag equal the expected length and MD5", () => {
        assert.equal(verdictFromListing(object, { size: 10, etag: object.md5 }), "proven-by-etag");
    });

    it("is a mismatch without reading when the size differs, whatever the ETag", () => {
        assert.equal(verdictFromListing(object, { size: 11, etag: object.md5 }), "size-differs");
    });

    it("needs the body read when the ETag is another MD5, a multipart ETag, or absent", () => {
        for (const etag of ["ffffffffffffffffffffffffffffffff", `${object.md5}-1`, undefined]) {
            assert.equal(verdictFromListing(object, { size: 10, etag }), "read-body", String(etag));
        }
    });

    it("is missing when the key is not listed", () => {
        assert.equal(verdictFromListing(object, undefined), "missing");
    });
});
