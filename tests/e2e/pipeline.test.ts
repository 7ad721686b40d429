import * as assert from "node:assert/strict";
import * as path from "node:path";
import { readStackFile } from "../../runtime/stack/read-stack-file";
import { writeWorkloadFile } from "../../runtime/workload/seed-workload";
import { runPipeline } from "../../runtime/pipeline/run-pipeline";
import type { RunReport } from "../../runtime/pipeline/run-report";
import { tempDir } from "../support/temp-dir";

const PROJECT_DIR = path.resolve(__dirname, "../..");

/**
 * The whole pipeline on the real stand-ins, through the real serialized handlers in sandboxes,
 * for each stack the project ships: the output is read back and reconciled with the input.
 */
describe("the pipeline end to end on the embedded stand-ins", function () {
    this.timeout(180_000);
    let inputFile: string;

    before(async () => {
        inputFile = path.join(tempDir("e2e-"), "products.jsonl");
        await writeWorkloadFile(inputFile, { records: 1000, recordBytes: 2048, seed: 7 });
    });

    for (const stackName of ["dev", "prod"]) {
        describe(`through the ${stackName} stack's settings`, () => {
            let report: RunReport;

            before(async () => {
                const stack = readStackFile(PROJECT_DIR, stackName);
                report = await runPipeline({
                    stack: stackName,
                    settings: stack.settings,
                    region: stack.region,
                    inputFile,
                    inputName: "products.jsonl",
                    measureS3Ceiling: false,
                });
            });

            it("writes one object per line with the line's exact bytes, and verifies it", () => {
                assert.deepEqual(report.output.problems, []);
                assert.equal(report.output.verified, true);
                assert.equal(report.output.objects, 1000);
            });

            it("accounts for every line, with nothing dead-lettered from clean input", () => {
                assert.equal(report.input.records, 1000);
                assert.equal(report.output.deadLettered, 0);
                assert.equal(report.output.accounted, 1000);
            });

            it("reads the handlers' EMF metrics back, equal to the run's own counts: lines split, objects written, nothing dead-lettered", () => {
                const metrics = report.metrics!;
                assert.deepEqual(
                    metrics.checks.map((check) => [check.metric, check.published, check.counted, check.agrees]),
                    [
                        ["LinesSplit", 1000, 1000, true],
                        ["ObjectsWritten", 1000, 1000, true],
                        ["LinesDeadLettered", 0, 0, true],
                    ],
                );
                assert.equal(metrics.byFunction.splitter.RecordsPut, 1000);
                assert.equal(metrics.agree, true);
                assert.deepEqual(metrics.repeatedWork, []);
            });

            it("invokes the splitter once and the writer in batches no larger than the stack's batch size", () => {
                const { settings } = readStackFile(PROJECT_DIR, stackName);
                assert.equal(report.invocations.splitter, 1);
                assert.ok(report.invocations.writer >= Math.ceil(1000 / settings.batchSize), `writer invocations ${report.invocations.writer}`);
                assert.ok(report.mapping.meanBatchSize <= settings.batchSize);
            });

            it("reports each writer sandbox's own timeline: every invocation once, its records, and one batch at a time", () => {
                const { settings } = readStackFile(PROJECT_DIR, stackName);
                const invocations = report.writerInvocations;
                assert.equal(invocations.length, report.invocations.writer);
                assert.equal(invocations.reduce((sum, invocation) => sum + invocation.records, 0), 1000, "every record in some invocation, once");
                assert.ok(invocations.every((invocation) => invocation.ok && invocation.records >= 1 && invocation.records <= settings.batchSize && invocation.seconds > 0 && invocation.startSeconds >= 0));
                const sandboxes = new Set(invocations.map((invocation) => invocation.sandbox));
                assert.equal(invocations.filter((invocation) => invocation.coldStart).length, sandboxes.size, "one cold start a sandbox");
                for (const sandbox of sandboxes) {
                    const own = invocations.filter((invocation) => invocation.sandbox === sandbox).sort((a, b) => a.startSeconds - b.startSeconds);
                    assert.ok(sandbox >= 1, `sandboxes are numbered from 1 (got ${sandbox})`);
                    assert.deepEqual(own.map((invocation) => invocation.ordinal), own.map((_, i) => i), `sandbox ${sandbox}: its invocations in order`);
                    assert.equal(own[0].coldStart, true, `sandbox ${sandbox} starts cold`);
                    own.slice(1).forEach((invocation, i) => {
                        const before = own[i];
                        assert.ok(invocation.startSeconds >= before.startSeconds + before.seconds - 1e-6, `sandbox ${sandbox}: invocation ${i + 1} began before ${i} ended`);
                    });
                }
            });
        });
    }
});
