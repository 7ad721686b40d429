import * as assert from "node:assert/strict";
import * as path from "node:path";
import { writePoisonedWorkloadFile } from "../../runtime/faults/poison-lines";
import { resolveFaultOptions } from "../../runtime/faults/fault-options";
import { runPipeline } from "../../runtime/pipeline/run-pipeline";
import type { RunReport } from "../../runtime/pipeline/run-report";
import { readStackFile } from "../../runtime/stack/read-stack-file";
import { tempDir } from "../support/temp-dir";

const PROJECT_DIR = path.resolve(__dirname, "../..");
const sum = (counts: Record<string, number>) => Object.values(counts).reduce((total, value) => total + value, 0);

/**
 * Issue 5: "Under any mix of these, at the end of the run: written objects + dead-lettered = input
 * lines, and no valid line is lost; each valid line has exactly one object, with identical bytes;
 * each invalid line is in the dead-letter queue with its reason, its source key and its line
 * number; no shard stays blocked." Every fault at once, through the real handlers and stand-ins.
 */
describe("the pipeline under injected faults", function () {
    this.timeout(120_000);
    let report: RunReport;

    before(async () => {
        const inputFile = path.join(tempDir("faults-e2e-"), "products.jsonl");
        await writePoisonedWorkloadFile(inputFile, { records: 600, recordBytes: 1024, seed: 3, poison: 8 });
        const stack = readStackFile(PROJECT_DIR, "prod");
        report = await runPipeline({
            stack: "faults",
            settings: stack.settings,
            region: stack.region,
            inputFile,
            inputName: "products.jsonl",
            measureS3Ceiling: false,
            faults: resolveFaultOptions({ failPutRate: 0.2, failWriteRate: 0.1, crashRate: 0.2, duplicateRate: 0.2, poison: 8, seed: 2 }),
        });
    });

    it("injected every kind of fault", () => {
        const faults = report.faults!;
        assert.ok(sum(faults.failedPutEntries) > 0, "PutRecords entries failed");
        assert.ok(sum(faults.failedPutObjects) > 0, "PutObject calls failed");
        assert.ok(faults.writerCrashes > 0, "writer sandboxes crashed");
        assert.ok(faults.redeliveries > 0, "batches were delivered twice");
    });

    it("reconciles: every valid line has exactly one object with its exact bytes, and the run verifies", () => {
        assert.deepEqual(report.output.problems, []);
        assert.equal(report.output.verified, true);
        assert.equal(report.output.objects, 600);
        assert.equal(report.output.objects + report.output.deadLettered, report.input.records);
        assert.equal(report.output.accounted, 608);
    });

    it("dead-letters each poison line once per line, with its reason", () => {
        assert.deepEqual(report.output.deadLetterReasons, { "invalid-json": 2, "unsafe-id": 4, "line-too-large": 2 });
    });

    it("publishes metrics at or above the run's own counts, and names the repeated work that makes them larger", () => {
        const metrics = report.metrics!;
        assert.ok(metrics.repeatedWork.length > 0, "the faults made the run repeat work");
        for (const check of metrics.checks) assert.ok(check.published >= check.counted, `${check.metric} ${check.published} < ${check.counted} ${check.what}`);
    });

    it("gives up on no batch: crashed and failed batches were retried or bisected until they went through", () => {
        assert.equal(report.mapping.recordsSentToOnFailure, 0);
        assert.ok(report.mapping.retries + report.mapping.bisections > 0);
    });
});
