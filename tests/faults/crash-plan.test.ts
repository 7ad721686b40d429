import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { CrashPlan } from "../../runtime/faults/crash-plan";
import { SandboxCrashes } from "../../runtime/faults/sandbox-crashes";
import { FunctionPool } from "../../runtime/lambda/function-pool";
import { tempDir } from "../support/temp-dir";

/** `--crash-rate`: a writer sandbox killed in the middle of a batch fails that invocation as Runtime.ExitError. */
describe("the crash plan", function () {
    this.timeout(30_000);
    const pools: FunctionPool[] = [];

    afterEach(async () => {
        await Promise.all(pools.splice(0).map((pool) => pool.close()));
    });

    it("plans crashes for about the given fraction of invocations, each within the typical run time", () => {
        const plan = new CrashPlan(0.25, 11);

        const delays = Array.from({ length: 1000 }, () => plan.crashDelayMs(200));

        const planned = delays.filter((delay): delay is number => delay !== undefined);
        assert.ok(planned.length > 200 && planned.length < 300, `about 250 of 1000 (got ${planned.length})`);
        assert.equal(plan.planned, planned.length);
        assert.ok(planned.every((delay) => delay >= 1 && delay <= 200));
    });

    it("makes the same decisions for the same seed", () => {
        const first = new CrashPlan(0.5, 3);
        const second = new CrashPlan(0.5, 3);

        assert.deepEqual(
            Array.from({ length: 50 }, () => first.crashDelayMs(100)),
            Array.from({ length: 50 }, () => second.crashDelayMs(100)),
        );
    });

    it("kills the sandbox partway through an invocation, which fails as Runtime.ExitError, and the next one gets a new sandbox", async () => {
        // Prepare: a handler that records ten steps, 50 ms apart, in a file.
        const steps = path.join(tempDir("crash-"), "steps.txt");
        const text = `exports.handler = async (event) => {
            for (let step = 1; step <= 10; step++) { require("fs").appendFileSync(event.file, step + "\\n"); await new Promise((r) => setTimeout(r, 50)); }
            return process.pid;
        };`;
        const plan = new CrashPlan(1, 1);
        const pool = new FunctionPool(
            { functionName: "crashing-writer", handler: { text, exportName: "handler" }, environment: {}, memoryMb: 256, timeoutSeconds: 5, region: "us-east-1" },
            { faults: new SandboxCrashes(plan) },
        );
        pools.push(pool);

        // Act
        const crashed = await pool.invoke({ file: steps });

        // Assess
        assert.equal(crashed.ok, false);
        assert.equal(crashed.errorType, "Runtime.ExitError");
        assert.match(crashed.errorMessage ?? "", /Runtime exited with error: signal: SIGKILL/);
        const done = fs.existsSync(steps) ? fs.readFileSync(steps, "utf8").trim().split("\n").filter(Boolean).length : 0;
        assert.ok(done < 10, `the batch stopped partway (${done} of 10 steps)`);
        assert.equal(pool.stats().crashes, 1);

        const next = await pool.invoke({ file: steps });
        assert.equal(next.ok, false, "the plan at rate 1 crashes this one too");
        assert.equal(next.coldStart, true, "a crashed sandbox is never reused");
    });

    it("leaves invocations alone at rate 0", async () => {
        const pool = new FunctionPool(
            { functionName: "steady-writer", handler: { text: "exports.handler = async () => 'ok';", exportName: "handler" }, environment: {}, memoryMb: 256, timeoutSeconds: 5, region: "us-east-1" },
            { faults: new SandboxCrashes(new CrashPlan(0, 1)) },
        );
        pools.push(pool);

        const results = await Promise.all([pool.invoke({}), pool.invoke({})]);

        assert.deepEqual(results.map((result) => result.payload), ["ok", "ok"]);
        assert.equal(pool.stats().crashes, 0);
    });
});
