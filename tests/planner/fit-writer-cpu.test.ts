import { strict as assert } from "node:assert";
import { fitInvocationRecordsRounds } from "../../scripts/fit-writer-cpu";

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
