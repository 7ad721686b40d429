import * as assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { compareStacks, type Comparison } from "../../runtime/compare/compare-stacks";
import { renderComparePage } from "../../runtime/compare/compare-page";
import { comparisonPreamble, comparisonRows } from "../../runtime/compare/compare-table";
import { formatSummary } from "../../runtime/pipeline/run-report";

const PROJECT_DIR = path.resolve(__dirname, "../..");

/** Busy loops, two per core, that end by themselves after `seconds` (and are killed sooner by `stop`). */
function saturate(seconds: number): { stop(): void } {
    const loops: ChildProcess[] = Array.from({ length: 2 * os.availableParallelism() }, () =>
        spawn(process.execPath, ["-e", `const end = Date.now() + ${seconds * 1000}; while (Date.now() < end) {}`], { stdio: "ignore" }),
    );
    return { stop: () => loops.forEach((loop) => loop.kill("SIGKILL")) };
}

describe("a comparison run on a machine saturated on purpose", function () {
    this.timeout(120_000);
    let comparison: Comparison;

    before(async () => {
        const load = saturate(60);
        try {
            comparison = await compareStacks({ projectDir: PROJECT_DIR, stacks: ["dev"], workload: { records: 200, recordBytes: 512, seed: 3 }, recordsPerDay: 1_000_000, timeScale: 1 });
        } finally {
            load.stop();
        }
    });

    it("measures the machine as CPU-bound and marks the stack's run not representative in the JSON", () => {
        const [stack] = comparison.stacks;
        assert.ok(stack.run.headroom.busyFraction > 0.85, `busy ${stack.run.headroom.busyFraction}`);
        assert.equal(stack.run.headroom.cpuBound, true);
        assert.equal(stack.representative, false);
    });

    it("never prints the measured seconds as a plain figure in the table", () => {
        const secondsRow = comparisonRows(comparison).find(([label]) => label.startsWith("seconds"));
        assert.ok(secondsRow, "a seconds row");
        assert.match(secondsRow[1], /^\d+\.\d s ⚠ CPU-bound$/);
        assert.match(comparisonPreamble(comparison).join("\n"), /⚠ CPU-bound: dev \d+% of the cores busy.*not representative/);
    });

    it("flags the run on the page and in the run's own summary", () => {
        const page = renderComparePage({ title: "t", subtitle: "s", facts: comparisonPreamble(comparison), table: comparisonRows(comparison), series: [], notes: [] });
        assert.match(page, /<p class="warn">⚠ CPU-bound: dev/);
        assert.match(page, /<td>\d+\.\d s ⚠ CPU-bound<\/td>/);
        assert.match(formatSummary(comparison.stacks[0].run), /throughput .*⚠ CPU-bound\)\n.*\n  headroom .*⚠ CPU-bound: above 85%/);
    });
});
