import * as assert from "node:assert/strict";
import { ManualClock } from "../../runtime/clock";
import { CrashPlan } from "../../runtime/faults/crash-plan";
import { SandboxCrashes } from "../../runtime/faults/sandbox-crashes";
import type { Sandbox } from "../../runtime/lambda/sandbox";
import { SandboxSlots } from "../../runtime/lambda/sandbox-slots";

/** A stand-in for a sandbox process: only what the slots look at. */
function fakeSandbox(): Sandbox & { killed: boolean } {
    const fake = { alive: true, killed: false, kill: async () => void Object.assign(fake, { alive: false, killed: true }) };
    return fake as unknown as Sandbox & { killed: boolean };
}

const open = () => undefined;

describe("a function's sandbox slots", () => {
    it("gives a starting slot for a cold start, and the idle sandbox for a warm one", async () => {
        const slots = new SandboxSlots(2);
        const sandbox = fakeSandbox();

        const cold = await slots.claim(open);
        assert.equal(cold.state, "starting");
        slots.started(cold, sandbox);
        assert.equal(cold.state, "busy");
        slots.release(cold, true);
        assert.equal(cold.state, "idle");

        const warm = await slots.claim(open);
        assert.equal(warm.state, "busy");
        assert.equal(warm.sandbox, sandbox);
    });

    it("reuses the most recently freed sandbox first", async () => {
        const slots = new SandboxSlots(2);
        const [a, b] = [await slots.claim(open), await slots.claim(open)];
        const [first, second] = [fakeSandbox(), fakeSandbox()];
        slots.started(a, first);
        slots.started(b, second);
        slots.release(a, true);
        slots.release(b, true);

        assert.equal((await slots.claim(open)).sandbox, second);
    });

    it("makes a claim wait at the concurrency until a slot is released, and frees the place of one that can't be reused", async () => {
        const slots = new SandboxSlots(1);
        const only = await slots.claim(open);
        slots.started(only, fakeSandbox());
        let waited: string | undefined;
        const next = slots.claim(open).then((slot) => (waited = slot.state));

        await Promise.resolve();
        assert.equal(waited, undefined, "no slot while the only one is busy");
        slots.release(only, false);
        await next;

        assert.equal(waited, "starting", "the crashed sandbox's place goes to a cold start");
        assert.equal(only.sandbox?.alive, false, "the sandbox that can't be reused is killed");
    });

    it("counts live sandboxes from the slots, and skips one that died while idle", async () => {
        const slots = new SandboxSlots(2);
        const slot = await slots.claim(open);
        const sandbox = fakeSandbox();
        slots.started(slot, sandbox);
        slots.release(slot, true);
        assert.equal(slots.alive, 1);

        await sandbox.kill();
        assert.equal(slots.alive, 0);
        assert.equal((await slots.claim(open)).state, "starting");
    });

    it("wakes a waiting claim at close, which then finds the function closed", async () => {
        const slots = new SandboxSlots(1);
        slots.started(await slots.claim(open), fakeSandbox());
        let closed = false;
        const waiting = slots.claim(() => {
            if (closed) throw new Error("closed");
        });

        closed = true;
        await slots.closeAll();

        await assert.rejects(waiting, /closed/);
    });
});

describe("the crash plug-in", () => {
    it("kills the sandbox at its planned moment within the typical run time, and leaves one that ends first alone", () => {
        const clock = new ManualClock();
        const crashes = new SandboxCrashes(new CrashPlan(1, 1), clock);
        let kills = 0;

        const end = crashes.begin(() => kills++);
        clock.advance(100);
        end({ ok: false });
        assert.equal(kills, 1, "planned within the first typical 100 ms");
        assert.equal(crashes.planned, 1);

        const slowEnd = crashes.begin(() => kills++);
        slowEnd({ ok: true });
        clock.advance(1_000);
        assert.equal(kills, 1, "an invocation that ends first is not killed");
    });
});
