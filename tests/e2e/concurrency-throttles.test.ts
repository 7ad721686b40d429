import * as assert from "node:assert/strict";
import * as path from "node:path";
import { readStackFile } from "../../runtime/stack/read-stack-file";
import { writeWorkloadFile } from "../../runtime/workload/seed-workload";
import { runPipeline } from "../../runtime/pipeline/run-pipeline";
import { formatSummary, type RunReport } from "../../runtime/pipeline/run-report";
import { tempDir } from "../support/temp-dir";

const PROJECT_DIR = path.resolve(__dirname, "../..");

/**
 * A stack whose writer needs more concurrency than it reserved: 4 shards × parallelization 2 is 8
 * concurrent batches, and the writer reserves 2. Lambda throttles the rest, and the mapping retries a
 * throttled batch "until the records expire or exceed the maximum age" (kinesis-on-failure-destination,
 * "Before invocation"), so the run still writes every line, later; nothing is dead-lettered.
 */
describe("a writer throttled by its reserved concurrency, end to end", function () {
    this.timeout(180_000);
    let report: RunReport;

    before(async () => {
        const inputFile = path.join(tempDir("throttles-"), "products.jsonl");
        await writeWorkloadFile(inputFile, { records: 400, recordBytes: 512, seed: 11 });
        const stack = readStackFile(PROJECT_DIR, "dev");
        report = await runPipeline({
            stack: "dev",
            settings: { ...stack.settings, shardCount: 4, parallelizationFactor: 2, batchSize: 10, partitionKey: "field:original_id", writerReservedConcurrency: 2 },
            region: stack.region,
            inputFile,
            inputName: "products.jsonl",
            measureS3Ceiling: false,
        });
    });

    it("throttles writer batches beyond the reservation and still writes every line once the mapping retries them", () => {
        assert.equal(report.output.verified, true, report.output.problems.join("; "));
        assert.equal(report.output.objects, 400);
        assert.equal(report.output.deadLettered, 0);
        assert.deepEqual([report.concurrency?.account, report.concurrency?.writerReserved], [1000, 2]);
        assert.ok(report.concurrency!.throttles.writer > 0, `writer throttles ${report.concurrency!.throttles.writer}`);
        assert.equal(report.functionErrors.writer, 0, "a throttle is not a function error");
    });

    it("shows the throttles in the summary", () => {
        assert.match(formatSummary(report), new RegExp(`concurrency  account 1,000, writer reserved 2; throttled: writer ${report.concurrency!.throttles.writer} \\(the mapping retried them\\), splitter 0`));
    });
});
