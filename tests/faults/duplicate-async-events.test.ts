import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { SplitterResult } from "../../handlers/splitter";
import { resolveFaultOptions } from "../../runtime/faults/fault-options";
import { runPipeline } from "../../runtime/pipeline/run-pipeline";
import type { RunReport } from "../../runtime/pipeline/run-report";
import { readStackFile } from "../../runtime/stack/read-stack-file";
import { workloadLine } from "../../runtime/workload/seed-workload";
import { tempDir } from "../support/temp-dir";

const PROJECT_DIR = path.resolve(__dirname, "../..");
const LINES = 6000;
const IDS = 100;

/**
 * Issue 11, finding 3: Lambda may deliver an asynchronous event twice. Every S3 event and every
 * splitter continuation is delivered twice here (--duplicate-async-rate 1), over a file that takes
 * several invocations and repeats each id 60 times. Without the hand-off claims, each duplicate
 * starts a second chain over the same lines (twice the records, and while the lagging chain runs,
 * an older line of an id is the object's content; for good if that chain dies mid-file). With
 * them, each link of the chain runs once, and the later line of each id is what stays written.
 */
describe("duplicated asynchronous events over a file with repeated ids", function () {
    this.timeout(180_000);
    let report: RunReport;
    let results: SplitterResult[];

    before(async () => {
        const inputFile = path.join(tempDir("duplicate-async-"), "products.jsonl");
        const lines = Array.from({ length: LINES }, (_, index) =>
            workloadLine(index, { recordBytes: 512, seed: 5 }).replace(/"original_id":"P\d+"/, `"original_id":"R${index % IDS}"`),
        );
        fs.writeFileSync(inputFile, lines.join("\n") + "\n");
        const stack = readStackFile(PROJECT_DIR, "prod");
        report = await runPipeline({
            stack: "duplicates",
            settings: { ...stack.settings, shardCount: 1, parallelizationFactor: 1, splitterTimeoutSeconds: 3 },
            awsProfile: { putRecordsLatencyMs: 300, s3PutObjectLatencyMs: 0, shardWriteBytesPerSecond: Infinity, shardWriteRecordsPerSecond: Infinity },
            region: stack.region,
            inputFile,
            inputName: "products.jsonl",
            measureS3Ceiling: false,
            asyncRetryDelaysMs: [100, 200],
            faults: resolveFaultOptions({ duplicateAsyncRate: 1, seed: 3 }),
        });
        results = (report.splitter as SplitterResult[]).filter((result) => result?.details);
    });

    it("delivered the S3 event and each continuation twice", () => {
        const handOffs = results.reduce((sum, result) => sum + result.handedOff, 0);
        assert.ok(handOffs >= 1, `hand-offs: ${handOffs}`);
        assert.equal(report.faults!.asyncDuplicates, handOffs + 1);
        assert.equal(report.functionErrors.splitter, 0);
    });

    it("ran each link of the chain once and skipped every duplicate at its claim", () => {
        assert.equal(results.reduce((sum, result) => sum + result.duplicatesSkipped, 0), report.faults!.asyncDuplicates);
        assert.equal(results.reduce((sum, result) => sum + result.recordsPut, 0), LINES);
    });

    it("ends with the later line of each id written, and verifies", () => {
        assert.deepEqual(report.output.problems, []);
        assert.equal(report.output.verified, true);
        assert.equal(report.output.objects, IDS);
    });
});
