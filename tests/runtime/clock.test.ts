import * as assert from "node:assert/strict";
import { ManualClock, realClock, wakeableSleep } from "../../runtime/clock";

describe("the runtime's clock", () => {
    describe("realClock", () => {
        it("tells the wall-clock time in epoch milliseconds", () => {
            const before = Date.now();
            const now = realClock.now();
            assert.ok(now >= before && now <= Date.now(), `${now} between ${before} and now`);
        });

        it("sleeps at least as long as asked", async () => {
            const started = performance.now();
            await realClock.sleep(30);
            assert.ok(performance.now() - started >= 29, `slept ${performance.now() - started} ms`);
        });

        it("runs a timeout once, and never after it is cancelled", async () => {
            const calls: string[] = [];
            realClock.setTimeout(() => calls.push("kept"), 5);
            realClock.setTimeout(() => calls.push("cancelled"), 5).cancel();
            await realClock.sleep(40);
            assert.deepEqual(calls, ["kept"]);
        });

        it("repeats an interval until it is cancelled", async () => {
            let calls = 0;
            const timer = realClock.setInterval(() => calls++, 5);
            await realClock.sleep(60);
            timer.cancel();
            const atCancel = calls;
            await realClock.sleep(30);
            assert.ok(atCancel >= 2, `${atCancel} calls in 60 ms`);
            assert.equal(calls, atCancel, "no call after cancel()");
        });
    });

    describe("ManualClock", () => {
        it("stands still until advanced, then runs each due timer at its own moment", () => {
            const clock = new ManualClock(1_000);
            const seen: Array<[string, number]> = [];
            clock.setTimeout(() => seen.push(["b", clock.now()]), 300);
            clock.setTimeout(() => seen.push(["a", clock.now()]), 100);
            clock.setTimeout(() => seen.push(["late", clock.now()]), 900);

            assert.equal(clock.now(), 1_000);
            clock.advance(500);

            assert.deepEqual(seen, [["a", 1_100], ["b", 1_300]]);
            assert.equal(clock.now(), 1_500);
            assert.equal(clock.pending, 1, "the timer due at 1,900 still waits");
        });

        it("fires an interval once for each period passed, and not after cancel()", () => {
            const clock = new ManualClock();
            const at: number[] = [];
            const timer = clock.setInterval(() => at.push(clock.now()), 250);

            clock.advance(1_000);
            timer.cancel();
            clock.advance(1_000);

            assert.deepEqual(at, [250, 500, 750, 1_000]);
        });

        it("resolves a sleep only once time has moved past it", async () => {
            const clock = new ManualClock();
            let woke = false;
            const sleeping = clock.sleep(200).then(() => (woke = true));

            clock.advance(199);
            await Promise.resolve();
            assert.equal(woke, false);
            clock.advance(1);
            await sleeping;
            assert.equal(woke, true);
        });

        it("rejects an interval of 0 ms, which would never let time move on", () => {
            assert.throws(() => new ManualClock().setInterval(() => {}, 0), /interval must be more than 0 ms \(got 0\)/);
        });
    });

    describe("wakeableSleep", () => {
        it("ends when woken, before its time, and cancels its timer", async () => {
            const clock = new ManualClock();
            const sleep = wakeableSleep(clock, 10_000);

            sleep.wake();
            await sleep.done;

            assert.equal(clock.now(), 0);
            assert.equal(clock.pending, 0);
        });

        it("ends by itself when its time comes", async () => {
            const clock = new ManualClock();
            const sleep = wakeableSleep(clock, 50);
            clock.advance(50);
            await sleep.done;
            assert.equal(clock.pending, 0);
        });
    });
});
