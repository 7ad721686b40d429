import * as assert from "node:assert/strict";
import { parseSettings } from "../../settings/parse";
import { busiestCores, CALIBRATED_TIME_SCALE_FLOOR, chooseTimeScale, coldStartCores, demandOf, sandboxCores, SUSTAINED_BUSY_FRACTION, TARGET_BUSY_FRACTION } from "../../runtime/time-scale/choose-time-scale";
import { autoTimeScale, autoTimeScales } from "../../runtime/time-scale/auto-time-scale";
import { AWS_LIMITS } from "../../settings/aws-limits";

const settings = (values: Record<string, unknown>) => parseSettings({ streamMode: "PROVISIONED", ...values }).settings;
const vcpu = AWS_LIMITS.lambda.memoryMbPerVcpu;

describe("the automatic time scale", () => {
    it("counts every writer lane and the splitter at memoryMb ÷ 1,769 of a core", () => {
        const prodLike = settings({ shardCount: 4, parallelizationFactor: 2, writerMemoryMb: 512, splitterMemoryMb: 1024 });
        assert.equal(sandboxCores(prodLike), (8 * 512 + 1024) / vcpu);
    });

    it("counts each writer lane's cold start at a full vCPU, and the splitter at its share beside them", () => {
        const pf10Like = settings({ shardCount: 4, parallelizationFactor: 10, writerMemoryMb: 512, splitterMemoryMb: 1024 });
        assert.equal(coldStartCores(pf10Like), 40 + 1024 / vcpu);
        // Fewer lanes start when the planner says fewer get records.
        assert.equal(coldStartCores(pf10Like, 7), 7 + 1024 / vcpu);
        // A writer above 1,769 MB inits at its memory's share, more than one vCPU.
        assert.equal(coldStartCores(settings({ shardCount: 1, parallelizationFactor: 1, writerMemoryMb: 3538, splitterMemoryMb: 1024 })), 2 + 1024 / vcpu);
    });

    it("adds the stand-ins' and runtime's CPU at the planned rate", () => {
        const demand = demandOf(settings({ shardCount: 1, parallelizationFactor: 1, writerMemoryMb: 1769, splitterMemoryMb: 1769 }), { recordsPerSecond: 2_000, concurrentBatches: 1 }, 0.5);
        assert.deepEqual(demand, { sandboxCores: 2, coldStartCores: 2, runtimeCores: 1 });
    });

    it("sizes K for the busiest moment: the cold start when many small writers start at once, else the running shares", () => {
        assert.equal(busiestCores({ sandboxCores: 12.2, coldStartCores: 40.6, runtimeCores: 1.8 }), 40.6 + 1.8);
        assert.equal(busiestCores({ sandboxCores: 4.6, coldStartCores: 2.6, runtimeCores: 1 }), 4.6 + 1);
    });

    it("is the smallest step of 0.5 that keeps the busiest demand ÷ K under 60% of the cores", () => {
        assert.equal(TARGET_BUSY_FRACTION, 0.6);
        // 3 cores of demand on 2 cores: 3 ÷ 1.2 = 2.5 exactly.
        assert.equal(chooseTimeScale({ sandboxCores: 2, coldStartCores: 1, runtimeCores: 1 }, 2), 2.5);
        // 3.1 ÷ 1.2 = 2.58, rounded up to 3.
        assert.equal(chooseTimeScale({ sandboxCores: 2.1, coldStartCores: 1, runtimeCores: 1 }, 2), 3);
        const demand = { sandboxCores: 11.6, coldStartCores: 40.6, runtimeCores: 1.5 };
        const k = chooseTimeScale(demand, 2);
        assert.ok((40.6 + 1.5) / k <= 0.6 * 2 && (40.6 + 1.5) / (k - 0.5) > 0.6 * 2, `K = ${k} is the smallest that fits`);
    });

    it("gives a stack of 40 small writer lanes a K several times a stack of 8", () => {
        const workload = { records: 4000, recordBytes: 2048 };
        const eight = autoTimeScale(settings({ shardCount: 4, parallelizationFactor: 2, writerMemoryMb: 1024, splitterMemoryMb: 1024, batchSize: 500 }), workload, undefined, 2);
        const forty = autoTimeScale(settings({ shardCount: 4, parallelizationFactor: 10, writerMemoryMb: 512, splitterMemoryMb: 1024, batchSize: 100 }), workload, undefined, 2);
        // 8 inits + the splitter + the runtime ≈ 10.3 cores ÷ 1.2 → 9; 40 inits ≈ 42.3 ÷ 1.2 → 35.5.
        assert.ok(eight >= 8 && eight <= 10, `8 lanes: K = ${eight}`);
        assert.ok(forty >= 34 && forty <= 37, `40 lanes: K = ${forty}`);
    });

    it("steps a stack of 40 lanes down after its cold starts to the K its running lanes need, and keeps one K where the cold start is not the busiest moment", () => {
        const workload = { records: 4000, recordBytes: 2048 };
        const forty = autoTimeScales(settings({ shardCount: 4, parallelizationFactor: 10, writerMemoryMb: 512, splitterMemoryMb: 1024, batchSize: 100 }), workload, undefined, 2);
        // Running, a load kept up: 40 × 512 / 1,769 + the splitter ≈ 12.2 cores + the runtime ≈ 1.5 → 13.7 ÷ (0.35 × 2) → 19.5.
        assert.ok(forty.timeScale >= 34 && forty.timeScale <= 37, `cold start: K = ${forty.timeScale}`);
        assert.ok(forty.timeScaleAfterColdStarts, "a step");
        assert.ok(forty.timeScaleAfterColdStarts.timeScale >= 18 && forty.timeScaleAfterColdStarts.timeScale <= 21, `running: K = ${forty.timeScaleAfterColdStarts.timeScale}`);
        assert.equal(forty.timeScaleAfterColdStarts.lanes, 40, "the cold start ends with the 40 lanes' inits");
        const devLike = autoTimeScales(settings({ shardCount: 1, parallelizationFactor: 1, writerMemoryMb: 512, splitterMemoryMb: 1024, batchSize: 100 }), workload, undefined, 2);
        assert.deepEqual(devLike, { timeScale: 4 }, "at the floor either way: no step");
        // Eight 1,024 MB lanes kept running want more than their cold start's burst: one K, the larger.
        const eight = autoTimeScales(settings({ shardCount: 4, parallelizationFactor: 2, writerMemoryMb: 1024, splitterMemoryMb: 1024, batchSize: 500 }), workload, undefined, 2);
        assert.equal(eight.timeScaleAfterColdStarts, undefined);
        const running = chooseTimeScale({ ...demandOf(settings({ shardCount: 4, parallelizationFactor: 2, writerMemoryMb: 1024, splitterMemoryMb: 1024, batchSize: 500 }), { recordsPerSecond: 1000 }), coldStartCores: 0 }, 2, SUSTAINED_BUSY_FRACTION, 4);
        assert.ok(eight.timeScale >= running - 0.5, `K = ${eight.timeScale} holds the running lanes (${running})`);
        assert.equal(autoTimeScale(settings({ shardCount: 4, parallelizationFactor: 10, writerMemoryMb: 512, splitterMemoryMb: 1024, batchSize: 100 }), workload, undefined, 2), forty.timeScale);
    });

    it("never goes below its floor: 1 by default, so a light load on a big machine runs at local speed", () => {
        assert.equal(chooseTimeScale({ sandboxCores: 0.2, coldStartCores: 1.1, runtimeCores: 0.1 }, 64), 1);
        assert.equal(chooseTimeScale({ sandboxCores: 0.2, coldStartCores: 1.1, runtimeCores: 0.1 }, 64, TARGET_BUSY_FRACTION, 4), 4);
        // A floor below what the load needs changes nothing.
        assert.equal(chooseTimeScale({ sandboxCores: 2, coldStartCores: 1, runtimeCores: 1 }, 2, TARGET_BUSY_FRACTION, 2), 2.5);
    });

    it("runs the project's functions at no less than the calibration's floor of K = 4, on any machine, unless told a lower floor", () => {
        assert.equal(CALIBRATED_TIME_SCALE_FLOOR, 4);
        const workload = { records: 4000, recordBytes: 2048 };
        const devLike = settings({ shardCount: 1, parallelizationFactor: 1, writerMemoryMb: 512, splitterMemoryMb: 1024, batchSize: 100 });
        // On 2 cores the load alone would pick 2 (the writer, the splitter and the runtime, about 1.1 cores kept
        // under 35% of the cores; the cold start's burst alone 1.5), on 64 cores 1.
        assert.equal(autoTimeScale(devLike, workload, undefined, 2), 4);
        assert.equal(autoTimeScale(devLike, workload, undefined, 64), 4);
        assert.equal(autoTimeScale(devLike, workload, undefined, 2, 1), 2);
        assert.equal(autoTimeScale(devLike, workload, undefined, 64, 1), 1);
    });

    it("shrinks as the machine grows", () => {
        const demand = { sandboxCores: 12, coldStartCores: 9, runtimeCores: 2 };
        assert.ok(chooseTimeScale(demand, 16) < chooseTimeScale(demand, 2));
    });

    it("refuses a machine without cores, a target outside (0, 1] or a floor below 1", () => {
        assert.throws(() => chooseTimeScale({ sandboxCores: 1, coldStartCores: 1, runtimeCores: 0 }, 0), /available cores must be more than 0 \(got 0\)/);
        assert.throws(() => chooseTimeScale({ sandboxCores: 1, coldStartCores: 1, runtimeCores: 0 }, 2, 1.5), /target busy fraction must be in \(0, 1\] \(got 1.5\)/);
        assert.throws(() => chooseTimeScale({ sandboxCores: 1, coldStartCores: 1, runtimeCores: 0 }, 2, TARGET_BUSY_FRACTION, 0.5), /least time scale must be at least 1 \(got 0.5\)/);
    });
});
