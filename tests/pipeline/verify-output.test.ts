import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { deadLetterBody, deadLetterMessage, DeadLetterReason } from "../../handlers/shared/dead-letter";
import { expectedOutput, type ExpectedOutput } from "../../runtime/pipeline/expected-output";
import { classifyDeadLetters, verifyOutput, type DeadLetterContents } from "../../runtime/pipeline/verify-output";
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
});
