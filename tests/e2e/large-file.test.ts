import * as assert from "node:assert/strict";
import * as path from "node:path";
import type { SplitterResult } from "../../handlers/splitter";
import { readStackFile } from "../../runtime/stack/read-stack-file";
import { writeWorkloadFile } from "../../runtime/workload/seed-workload";
import { runPipeline } from "../../runtime/pipeline/run-pipeline";
import type { RunReport } from "../../runtime/pipeline/run-report";
import { tempDir } from "../support/temp-dir";

const PROJECT_DIR = path.resolve(__dirname, "../..");
const LINES = 6000;

/**
 * A file longer than one splitter invocation, end to end on the stand-ins: the splitter's timeout
 * is cut to three seconds, so it hands the file on through the Invoke API stand-in (asynchronous
 * self-invokes with checkpoints) several times, and every line must still arrive exactly once.
 * The AWS profile, with its shard limits off and 300 ms added to each put call, makes the file's
 * 12 PutRecords calls take 3.6 s or more whatever this machine's speed, so the hand-offs don't
 * depend on how fast it is; one shard and one writer leave the splitter's sandbox CPU to spare.
 */
describe("a file larger than one splitter invocation, end to end", function () {
    this.timeout(120_000);
    let report: RunReport;
    let results: SplitterResult[];

    before(async () => {
        const inputFile = path.join(tempDir("large-file-"), "products.jsonl");
        await writeWorkloadFile(inputFile, { records: LINES, recordBytes: 512, seed: 11 });
        const stack = readStackFile(PROJECT_DIR, "prod");
        report = await runPipeline({
            stack: "prod",
            settings: { ...stack.settings, shardCount: 1, parallelizationFactor: 1, splitterTimeoutSeconds: 3 },
            awsProfile: { putRecordsLatencyMs: 300, s3PutObjectLatencyMs: 0, shardWriteBytesPerSecond: Infinity, shardWriteRecordsPerSecond: Infinity },
            region: stack.region,
            inputFile,
            inputName: "products.jsonl",
            measureS3Ceiling: false,
            asyncRetryDelaysMs: [100, 200],
        });
        results = report.splitter as SplitterResult[];
    });

    it("splits the file in several invocations, each handing the rest on to the next", () => {
        assert.ok(report.invocations.splitter >= 2, `splitter invocations: ${report.invocations.splitter}`);
        assert.equal(report.functionErrors.splitter, 0, JSON.stringify(results.filter((result) => !result?.details)));
        const statuses = results.map((result) => result.details[0].status);
        assert.deepEqual(statuses, [...statuses.slice(0, -1).map(() => "handed-off"), "split"]);
    });

    it("starts each invocation at the line after the previous one's last, so no line is skipped or read twice", () => {
        let next = 1;
        for (const result of results) {
            assert.equal(result.details[0].firstLine, next);
            next += result.lines;
        }
        assert.equal(next, LINES + 1);
        assert.equal(results.reduce((sum, result) => sum + result.recordsPut, 0), LINES);
    });

    it("writes and verifies one object per line with its exact bytes", () => {
        assert.deepEqual(report.output.problems, []);
        assert.equal(report.output.verified, true);
        assert.equal(report.output.objects, LINES);
        assert.equal(report.output.deadLettered, 0);
    });
});
