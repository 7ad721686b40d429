import * as assert from "node:assert/strict";
import * as path from "node:path";
import { writePoisonedWorkloadFile } from "../../runtime/faults/poison-lines";
import { runPipeline } from "../../runtime/pipeline/run-pipeline";
import { formatSummary, type RunReport } from "../../runtime/pipeline/run-report";
import { readStackFile } from "../../runtime/stack/read-stack-file";
import { tempDir } from "../support/temp-dir";

const PROJECT_DIR = path.resolve(__dirname, "../..");

/**
 * Issue 13, part 3: "The embedded runtime prints the same counts from the sandboxes' EMF log lines,
 * so the local summary and CloudWatch tell the same story." A small dev-stack run with poison lines
 * of every kind and no other fault, so nothing is repeated and every count must match exactly.
 */
describe("the handlers' metrics in a run with poison lines", function () {
    this.timeout(120_000);
    let report: RunReport;

    before(async () => {
        const inputFile = path.join(tempDir("metrics-e2e-"), "products.jsonl");
        await writePoisonedWorkloadFile(inputFile, { records: 300, recordBytes: 512, seed: 11, poison: 8 });
        const stack = readStackFile(PROJECT_DIR, "dev");
        report = await runPipeline({ stack: "metrics", settings: stack.settings, region: stack.region, inputFile, inputName: "products.jsonl", measureS3Ceiling: false });
    });

    it("verifies the run, with its poison dead-lettered by reason", () => {
        assert.equal(report.output.verified, true, report.output.problems.join("; "));
        assert.deepEqual(report.output.deadLetterReasons, { "invalid-json": 2, "unsafe-id": 4, "line-too-large": 2 });
    });

    it("counts the same lines dead-lettered by reason in the EMF metrics as the run found in the queue", () => {
        const metrics = report.metrics!;
        assert.deepEqual(metrics.byReason.LinesDeadLettered, report.output.deadLetterReasons);
        assert.equal(metrics.byFunction.splitter.LinesDeadLettered, 2, "the lines too large, by the splitter");
        assert.equal(metrics.byFunction.writer.LinesDeadLettered, 6, "bad JSON, missing and unsafe ids, by the writer");
    });

    it("counts as many objects written and lines split as the run verified and read, and every record put once", () => {
        const { byFunction, checks } = report.metrics!;
        assert.equal(byFunction.writer.ObjectsWritten, report.output.objects);
        assert.equal(byFunction.splitter.LinesSplit, report.input.records + report.input.blankLines);
        assert.equal(byFunction.splitter.RecordsPut, 306, "308 lines less the two too large for a record");
        assert.deepEqual(checks.filter((check) => !check.agrees), []);
    });

    it("prints the metrics and says they agree in the summary npm start prints", () => {
        const summary = formatSummary(report);
        assert.match(summary, /metrics {6}from the handlers' EMF logs \(\d+ documents\): splitter LinesSplit 308, RecordsPut 306,/);
        const byReason = /dead-lettered by reason (.*)$/m.exec(summary)?.[1] ?? "";
        assert.deepEqual(byReason.split(", ").sort(), ["invalid-json 2", "line-too-large 2", "unsafe-id 4"]);
        assert.match(summary, /cross-check {2}the metrics agree with the run's own counts: LinesSplit 308 = 308 input lines, ObjectsWritten 300 = 300 objects verified, LinesDeadLettered 8 = 8 dead letters verified/);
    });
});
