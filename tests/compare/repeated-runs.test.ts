import * as assert from "node:assert/strict";
import * as path from "node:path";
import { compareStacks, type Comparison } from "../../runtime/compare/compare-stacks";
import { comparisonPreamble, comparisonRows } from "../../runtime/compare/compare-table";
import { medianRunIndex, runOrder, spreadOf } from "../../runtime/compare/repeated-runs";

const PROJECT_DIR = path.resolve(__dirname, "../..");

describe("repeated runs of a comparison", () => {
    it("interleave the stacks and reverse every other round, so a drift falls on each stack alike", () => {
        assert.deepEqual(runOrder(2, 3), [
            [0, 0],
            [0, 1],
            [1, 1],
            [1, 0],
            [2, 0],
            [2, 1],
        ]);
        assert.deepEqual(runOrder(3, 1), [
            [0, 0],
            [0, 1],
            [0, 2],
        ]);
    });

    it("refuse a repeat that is not a whole number of at least one run", () => {
        assert.throws(() => runOrder(2, 0), /--repeat must be a whole number of runs, 1 or more \(got 0\)/);
        assert.throws(() => runOrder(2, 1.5), /got 1\.5/);
    });

    it("show the run with the median seconds, and the slower middle one of an even count", () => {
        assert.equal(medianRunIndex([5.9, 5.1, 5.5]), 2);
        assert.equal(medianRunIndex([4.0, 6.0]), 1);
        assert.equal(medianRunIndex([7.3]), 0);
        assert.throws(() => medianRunIndex([]), /no runs/);
    });

    it("give the spread as the fastest and slowest seconds and count the runs that did not stand for the stack", () => {
        const run = (seconds: number, representative: boolean) => ({ round: 0, seconds, recordsPerSecond: 1, timeScale: 4, busyFraction: 0.3, representative, pollPhase: 0.5 });
        assert.deepEqual(spreadOf([run(5.5, true), run(5.1, false), run(5.9, true)]), { min: 5.1, max: 5.9, count: 3, flagged: 1 });
    });

    describe("npm run compare with --repeat 2 at local speed", function () {
        this.timeout(180_000);
        let comparison: Comparison;
        const started: string[] = [];

        before(async () => {
            comparison = await compareStacks({
                projectDir: PROJECT_DIR,
                stacks: ["dev", "prod"],
                repeat: 2,
                workload: { records: 120, recordBytes: 512, seed: 5 },
                recordsPerDay: 1_000_000,
                onStackStart: (stack, index, round) => started.push(`${round}:${stack}:${index}`),
            });
        });

        it("runs each stack twice, in the order dev, prod, prod, dev", () => {
            assert.deepEqual(started, ["0:dev:0", "0:prod:1", "1:prod:1", "1:dev:0"]);
            assert.equal(comparison.repeat, 2);
            for (const stack of comparison.stacks) {
                assert.deepEqual(
                    stack.runs.map((run) => run.round),
                    [0, 1],
                );
                assert.equal(stack.run.output.verified, true, stack.run.output.problems.join("; "));
            }
            // Each run draws where the mapping's once-a-second polls fall, as a deployed mapping's would be anywhere.
            const phases = comparison.stacks.flatMap((stack) => stack.runs.map((run) => run.pollPhase));
            assert.ok(phases.every((phase) => phase >= 0 && phase < 1), `poll phases ${phases.join(", ")}`);
            assert.equal(new Set(phases).size, phases.length, `each run its own phase: ${phases.join(", ")}`);
        });

        it("shows each stack's median run, with its seconds among the runs' and the spread in the seconds row", () => {
            const [header, ...rows] = comparisonRows(comparison);
            assert.deepEqual(header.slice(1), ["dev", "prod"]);
            const secondsRow = rows.find((row) => row[0].startsWith("seconds"))!;
            for (const [column, stack] of comparison.stacks.entries()) {
                const seconds = stack.runs.map((run) => run.seconds);
                assert.equal(stack.run.seconds.pipeline, Math.max(...seconds), "of two runs, the slower is the median one");
                const { min, max } = spreadOf(stack.runs);
                assert.ok(secondsRow[column + 1].includes(`(${min.toFixed(1)} to ${max.toFixed(1)} over 2 runs`), secondsRow[column + 1]);
            }
            assert.ok(comparisonPreamble(comparison).some((line) => line.startsWith("2 runs of each stack, interleaved")));
        });
    });
});
