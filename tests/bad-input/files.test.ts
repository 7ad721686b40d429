import * as assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { envelopeOverhead, KINESIS_RECORD_MAX_BYTES } from "../../handlers/shared/record-envelope";
import { resourceNames } from "../../runtime/pipeline/provision";
import { formatSummary } from "../../runtime/pipeline/run-report";
import { line, lineOfSize, newStackName, runInput, useStandIns, type InputRun } from "./run-input";

/**
 * Hostile input files, each run through the whole pipeline (splitter and writer as deployed, in
 * sandboxes, behind the S3 trigger and the Kinesis event source mapping). Every row of issue 5's
 * "Files" list has a clear outcome: written byte-exact, skipped as blank, or dead-lettered with a
 * reason; the run's own verification reconciles every line.
 */
describe("bad input files through the whole pipeline", function () {
    this.timeout(60_000);
    const handle = useStandIns();
    const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

    describe("an empty file", () => {
        let run: InputRun;
        before(async () => (run = await runInput(handle, "")));

        it("is split as an object of no lines, and nothing is written or dead-lettered", () => {
            assert.deepEqual([run.splitter.objects, run.splitter.lines], [1, 0]);
            assert.deepEqual([run.report.input.records, run.objects.size, run.report.output.deadLettered], [0, 0, 0]);
            assert.equal(run.report.output.verified, true);
        });
    });

    describe("a file of only blank lines", () => {
        let run: InputRun;
        before(async () => (run = await runInput(handle, "\n\n   \n\t\r\n\r\n")));

        it("skips every line as blank, and writes and dead-letters nothing", () => {
            assert.deepEqual([run.splitter.blankLines, run.splitter.recordsPut], [5, 0]);
            assert.deepEqual([run.report.input.blankLines, run.report.input.records], [5, 0]);
            assert.deepEqual([run.objects.size, run.report.output.deadLettered], [0, 0]);
            assert.equal(run.report.output.verified, true);
        });
    });

    describe("CRLF line endings", () => {
        const lines = [line("crlf-1"), line("crlf-2", { note: "ends with CR LF" }), line("crlf-3")];
        let run: InputRun;
        before(async () => (run = await runInput(handle, lines.join("\r\n") + "\r\n")));

        it("writes each line without its CR", () => {
            assert.deepEqual(
                [...run.objects].sort().map(([key, body]) => [key, body.toString()]),
                lines.map((text, i) => [`product_crlf-${i + 1}.json`, text]),
            );
            assert.equal(run.report.output.verified, true);
        });
    });

    describe("a byte order mark", () => {
        let run: InputRun;
        before(async () => {
            // A BOM at the start of the file, and one at the start of line 3, as `cat a.jsonl b.jsonl` leaves it.
            const content = Buffer.concat([BOM, Buffer.from(`${line("bom-1")}\n${line("bom-2")}\n`), BOM, Buffer.from(`${line("bom-3")}\n`)]);
            run = await runInput(handle, content);
        });

        it("strips a BOM at the start of the file, so the first line is written without it", () => {
            assert.deepEqual(run.objects.get("product_bom-1.json"), Buffer.from(line("bom-1")));
            assert.deepEqual(run.objects.get("product_bom-2.json"), Buffer.from(line("bom-2")));
        });

        it("dead-letters a line that starts with a BOM later in the file as invalid JSON, and verifies", () => {
            assert.equal(run.objects.has("product_bom-3.json"), false);
            assert.deepEqual(run.report.output.deadLetterReasons, { "invalid-json": 1 });
            assert.equal(run.report.output.verified, true, run.report.output.problems.join("; "));
        });
    });

    describe("no newline at the end", () => {
        let run: InputRun;
        before(async () => (run = await runInput(handle, `${line("eol-1")}\n${line("eol-2", { last: true })}`)));

        it("writes the last line as it is", () => {
            assert.deepEqual(run.objects.get("product_eol-2.json"), Buffer.from(line("eol-2", { last: true })));
            assert.deepEqual([run.objects.size, run.report.output.verified], [2, true]);
        });
    });

    describe("lines at the 1 MiB limit, which is Kinesis' limit on a whole record (envelope header, line and partition key)", () => {
        const id = "edge";
        /** The longest line that fits: 1 MiB minus the header (which names bucket, key, line and the 32-hex-digit ETag) minus the key. */
        function longestLine(stack: string): number {
            const bucket = resourceNames(stack).inputBucket;
            return KINESIS_RECORD_MAX_BYTES - envelopeOverhead({ bucket, key: "edge.jsonl", line: 2, etag: "0".repeat(32) }) - id.length;
        }
        async function runEdge(lineBytes: (stack: string) => number): Promise<{ run: InputRun; text: string }> {
            const stack = newStackName();
            const text = lineOfSize(id, lineBytes(stack));
            return { run: await runInput(handle, `${line("small")}\n${text}\n`, { stack, name: "edge.jsonl" }), text };
        }

        it("writes a line whose record is exactly 1 MiB, byte for byte", async () => {
            const { run, text } = await runEdge(longestLine);
            assert.ok(Buffer.byteLength(text) > 1024 * 1024 - 200);
            assert.deepEqual(run.objects.get("product_edge.json"), Buffer.from(text));
            assert.deepEqual([run.report.output.deadLettered, run.report.output.verified], [0, true]);
        });

        it("dead-letters a line one byte longer as line-too-large, and writes the rest of the file", async () => {
            const { run } = await runEdge((stack) => longestLine(stack) + 1);
            assert.equal(run.objects.has("product_edge.json"), false);
            assert.ok(run.objects.has("product_small.json"));
            assert.deepEqual(run.report.output.deadLetterReasons, { "line-too-large": 1 });
            assert.equal(run.report.output.verified, true, run.report.output.problems.join("; "));
        });

        it("dead-letters a line of exactly 1 MiB (1,048,576 bytes) as line-too-large: the header needs room too", async () => {
            const { run } = await runEdge(() => KINESIS_RECORD_MAX_BYTES);
            assert.equal(run.splitter.deadLettered, 1);
            assert.deepEqual(run.report.output.deadLetterReasons, { "line-too-large": 1 });
            assert.deepEqual([...run.objects.keys()], ["product_small.json"]);
            assert.equal(run.report.output.verified, true);
        });
    });

    describe("bytes that are not UTF-8", () => {
        let run: InputRun;
        before(async () => {
            const content = Buffer.concat([
                Buffer.from(`${line("utf8-ok", { name: "café" })}\n`),
                Buffer.from('{"original_id":"latin1","name":"caf\xe9"}\n', "latin1"),
                Buffer.from([...Buffer.from('{"original_id":"overlong","x":"'), 0xc0, 0xaf, ...Buffer.from('"}\n')]),
                Buffer.from([...Buffer.from('{"original_id":"surrogate","x":"'), 0xed, 0xa0, 0x80, ...Buffer.from('"}\n')]),
            ]);
            run = await runInput(handle, content);
        });

        it("dead-letters each such line as invalid-encoding instead of writing replacement characters", () => {
            assert.deepEqual(run.report.output.deadLetterReasons, { "invalid-encoding": 3 });
            assert.deepEqual([...run.objects.keys()], ["product_utf8-ok.json"]);
            assert.equal(run.report.output.verified, true, run.report.output.problems.join("; "));
        });
    });

    describe("a JSON array where an object is expected", () => {
        let run: InputRun;
        before(async () => (run = await runInput(handle, `[${line("in-array")}]\n${line("object")}\n`)));

        it("dead-letters the array as not-an-object and writes the object line", () => {
            assert.deepEqual(run.report.output.deadLetterReasons, { "not-an-object": 1 });
            assert.deepEqual([...run.objects.keys()], ["product_object.json"]);
            assert.equal(run.report.output.verified, true);
        });
    });

    describe("the same original_id twice in one file", () => {
        let run: InputRun;
        before(async () => (run = await runInput(handle, [line("dup", { v: 1 }), line("other"), line("dup", { v: 2 })].join("\n") + "\n")));

        it("writes the later line", () => {
            assert.deepEqual(run.objects.get("product_dup.json"), Buffer.from(line("dup", { v: 2 })));
            assert.equal(run.report.output.verified, true);
        });

        it("reports the earlier line as superseded, in the report and in the summary", () => {
            assert.equal(run.report.output.superseded, 1);
            assert.match(formatSummary(run.report), /1 superseded by a later line with the same id/);
        });

        it("lets the last of many repeats win when each is in its own batch and the writers run in parallel", async () => {
            // Prepare: "dup" on lines 1, 8, 15 and 22 among other ids; batches of one record, 2 shards x 5 concurrent batches.
            const lines = Array.from({ length: 24 }, (_, i) => (i % 7 === 0 ? line("dup", { line: i + 1 }) : line(`id-${i + 1}`)));
            // Act
            const parallel = await runInput(handle, lines.join("\n") + "\n", { config: { batchSize: 1, shardCount: 2, parallelizationFactor: 5 } });
            // Assess
            assert.deepEqual(parallel.objects.get("product_dup.json"), Buffer.from(line("dup", { line: 22 })));
            assert.deepEqual([parallel.report.output.superseded, parallel.report.output.verified], [3, true]);
        });
    });

    describe("a gzip file", () => {
        const lines = Array.from({ length: 300 }, (_, i) => line(`gz-${i + 1}`, { pad: "z".repeat(i) }));
        const text = lines.join("\n") + "\n";

        it("is supported: read through gunzip, each line written as its decompressed bytes", async () => {
            const run = await runInput(handle, gzipSync(text), { name: "products.jsonl.gz" });
            assert.equal(run.splitter.gzipObjects, 1);
            assert.equal(run.objects.size, 300);
            assert.deepEqual(run.objects.get("product_gz-300.json"), Buffer.from(lines[299]));
            assert.equal(run.report.output.verified, true);
        });

        it("when truncated, fails its splitter invocations with a clear reason, and never writes a garbage object", async () => {
            const gzip = gzipSync(text);
            const run = await runInput(handle, gzip.subarray(0, Math.floor(gzip.length / 2)), { name: "truncated.jsonl.gz" });
            // The splitter names the problem in every attempt (the first and Lambda's two retries), then gives up.
            assert.equal(run.report.functionErrors.splitter, 3);
            for (const attempt of run.report.splitter) {
                assert.match(String((attempt as { message?: string }).message), /starts with the gzip magic bytes .* not a valid gzip stream \(unexpected end of file\)/);
            }
            assert.equal(run.report.output.verified, false);
            assert.ok(run.report.output.problems.some((problem) => /the splitter gave up on s3:\/\/.*truncated\.jsonl\.gz/.test(problem)));
            // Whatever was written is a whole line of the file, byte for byte.
            const valid = new Set(lines);
            for (const [key, body] of run.objects) assert.ok(valid.has(body.toString()), `${key} is not a line of the file`);
        });
    });
});
