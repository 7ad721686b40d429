import { strict as assert } from "node:assert";
import { fitInvocationRecordsRounds, fitWarmUp } from "../../scripts/fit-writer-cpu";

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-6, `${what}: expected ${expected}, got ${actual}`);

describe("calibrate-cpu: the writer's warm CPU per invocation, record and round", () => {
    it("recovers the three terms exactly from the three calibration shapes", () => {
        // 12 ms an invocation, 1 ms a record, 6 ms a round: 100/16 (7 rounds), 500/20 (25 rounds), 100/4 (25 rounds).
        const cpu = (records: number, rounds: number) => ({ records, rounds, cpuMs: 12 + records + 6 * rounds });
        const fit = fitInvocationRecordsRounds([cpu(100, 7), cpu(500, 25), cpu(100, 25)]);
        close(fit.perInvocation, 12, "per invocation");
        close(fit.perRecord, 1, "per record");
        close(fit.perRound, 6, "per round");
    });

    it("drops a term that noise makes negative and fits the others, never below 0", () => {
        // The narrow shape cost less than the wide one with the same records: no CPU per round shows.
        const fit = fitInvocationRecordsRounds([
            { records: 100, rounds: 7, cpuMs: 120 },
            { records: 500, rounds: 25, cpuMs: 520 },
            { records: 100, rounds: 25, cpuMs: 110 },
        ]);
        assert.equal(fit.perRound, 0);
        // Least squares through (100, 115 on average) and (500, 520): 1.0125 ms a record, 13.75 ms an invocation.
        close(fit.perRecord, 1.0125, "per record");
        close(fit.perInvocation, 13.75, "per invocation");
    });
});

describe("calibrate-cpu: a sandbox's warm-up", () => {
    // Cumulative excess over warm after each batch of `batch` records: first + warmUp × (1 − e^(−records / decay)).
    const curve = (batch: number, count: number, first: number, warmUp: number, decay: number) =>
        Array.from({ length: count }, (_, i) => ({ recordsThrough: (i + 1) * batch, excessMs: first + warmUp * (1 - Math.exp(-((i + 1) * batch) / decay)) }));

    it("recovers a first invocation's fixed cost and a decaying part from batches of 100 and of 500", () => {
        const fit = fitWarmUp([...curve(100, 15, 190, 120, 150), ...curve(500, 3, 190, 120, 150)]);
        assert.ok(Math.abs(fit.msFirstInvocation - 190) < 2, `first invocation ${fit.msFirstInvocation}`);
        assert.ok(Math.abs(fit.msWarmUp - 120) < 2, `warm-up ${fit.msWarmUp}`);
        assert.ok(Math.abs(fit.warmUpRecords - 150) / 150 < 0.02, `decay ${fit.warmUpRecords}`);
        assert.ok(fit.rmsMs < 1, `rms ${fit.rmsMs}`);
    });

    it("puts a cost that comes all at once into the first invocation, not into a curve over records", () => {
        const fit = fitWarmUp(curve(50, 10, 200, 0, 100));
        assert.ok(Math.abs(fit.msFirstInvocation - 200) < 1e-6, `first invocation ${fit.msFirstInvocation}`);
        assert.equal(fit.msWarmUp, 0);
    });

    it("never fits a negative term, and refuses to fit nothing", () => {
        // A sandbox that got cheaper than warm: the best fit with both terms 0 or more.
        const fit = fitWarmUp([{ recordsThrough: 100, excessMs: -40 }, { recordsThrough: 200, excessMs: -60 }]);
        assert.ok(fit.msFirstInvocation >= 0 && fit.msWarmUp >= 0, JSON.stringify(fit));
        assert.throws(() => fitWarmUp([]), /no early invocations to fit the warm-up to/);
    });
});
