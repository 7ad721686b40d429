import * as assert from "node:assert/strict";
import { parseSettings } from "../../settings/parse";
import { chooseTimeScale, demandOf, sandboxCores, TARGET_BUSY_FRACTION } from "../../runtime/time-scale/choose-time-scale";
import { AWS_LIMITS } from "../../settings/aws-limits";

const settings = (values: Record<string, unknown>) => parseSettings({ streamMode: "PROVISIONED", ...values }).settings;

describe("the automatic time scale", () => {
    it("counts every writer lane and the splitter at memoryMb ÷ 1,769 of a core", () => {
        const prodLike = settings({ shardCount: 4, parallelizationFactor: 2, writerMemoryMb: 512, splitterMemoryMb: 1024 });
        assert.equal(sandboxCores(prodLike), (8 * 512 + 1024) / AWS_LIMITS.lambda.memoryMbPerVcpu);
    });

    it("adds the stand-ins' and runtime's CPU at the planned rate", () => {
        const demand = demandOf(settings({ shardCount: 1, parallelizationFactor: 1, writerMemoryMb: 1769, splitterMemoryMb: 1769 }), 2_000, 0.5);
        assert.deepEqual(demand, { sandboxCores: 2, runtimeCores: 1 });
    });

    it("is the smallest step of 0.5 that keeps the demand ÷ K under 60% of the cores", () => {
        assert.equal(TARGET_BUSY_FRACTION, 0.6);
        // 3 cores of demand on 2 cores: 3 ÷ 1.2 = 2.5 exactly.
        assert.equal(chooseTimeScale({ sandboxCores: 2, runtimeCores: 1 }, 2), 2.5);
        // 3.1 ÷ 1.2 = 2.58, rounded up to 3.
        assert.equal(chooseTimeScale({ sandboxCores: 2.1, runtimeCores: 1 }, 2), 3);
        const k = chooseTimeScale({ sandboxCores: 11.6, runtimeCores: 1.5 }, 2);
        assert.ok((11.6 + 1.5) / k <= 0.6 * 2 && (11.6 + 1.5) / (k - 0.5) > 0.6 * 2, `K = ${k} is the smallest that fits`);
    });

    it("never goes below 1, so a light stack on a big machine runs at local speed", () => {
        assert.equal(chooseTimeScale({ sandboxCores: 0.2, runtimeCores: 0.1 }, 64), 1);
    });

    it("shrinks as the machine grows", () => {
        const demand = { sandboxCores: 12, runtimeCores: 2 };
        assert.ok(chooseTimeScale(demand, 16) < chooseTimeScale(demand, 2));
    });

    it("refuses a machine without cores or a target outside (0, 1]", () => {
        assert.throws(() => chooseTimeScale({ sandboxCores: 1, runtimeCores: 0 }, 0), /available cores must be more than 0 \(got 0\)/);
        assert.throws(() => chooseTimeScale({ sandboxCores: 1, runtimeCores: 0 }, 2, 1.5), /target busy fraction must be in \(0, 1\] \(got 1.5\)/);
    });
});
