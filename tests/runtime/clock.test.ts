import * as assert from "node:assert/strict";
import { ManualClock, realClock, ScaledClock, wakeableSleep } from "../../runtime/clock";

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

    describe("ScaledClock (time dilation by K)", () => {
        it("waits K times the modelled duration on its base clock, for sleeps, timeouts and intervals", async () => {
            const base = new ManualClock(10_000);
            const clock = new ScaledClock(4, base);
            const seen: string[] = [];
            void clock.sleep(100).then(() => seen.push("sleep"));
            clock.setTimeout(() => seen.push("timeout"), 50);
            const interval = clock.setInterval(() => seen.push("tick"), 25);

            base.advance(199);
            await Promise.resolve();
            assert.deepEqual(seen, ["tick"], "25 modelled ms are 100 wall ms; the timeout's 50 (200 wall) is not due at 199");
            base.advance(201);
            await Promise.resolve();
            interval.cancel();
            assert.deepEqual(seen, ["tick", "timeout", "tick", "tick", "tick", "sleep"]);
        });

        it("tells modelled time that moves K times slower than its base from the moment it was made", () => {
            const base = new ManualClock(1_000_000);
            const clock = new ScaledClock(5, base);
            assert.equal(clock.now(), 1_000_000);
            base.advance(10_000);
            assert.equal(clock.now(), 1_002_000, "10 s of wall time are 2 s of modelled time at K = 5");
        });

        it("converts between modelled and wall moments both ways", () => {
            const base = new ManualClock(50_000);
            const clock = new ScaledClock(3, base);
            base.advance(600);
            assert.equal(clock.toWall(clock.now()), base.now());
            assert.equal(clock.toWall(clock.now() + 1_000), base.now() + 3_000, "a deadline 1 s of modelled time away is 3 s of wall time away");
            assert.equal(clock.fromWall(base.now() - 300), clock.now() - 100);
        });

        it("makes a token bucket's rate K times lower in wall time", () => {
            const { TokenBucket } = require("../../runtime/aws-profile/token-bucket") as typeof import("../../runtime/aws-profile/token-bucket");
            const base = new ManualClock(0);
            const clock = new ScaledClock(4, base);
            const bucket = new TokenBucket(1_000, () => clock.now());
            bucket.take(bucket.available());
            base.advance(1_000);
            assert.ok(Math.abs(bucket.available() - 250) < 1e-6, `1 wall second at K = 4 refills a quarter of 1,000/s: ${bucket.available()}`);
        });

        it("sleeps K times as long on real timers", async () => {
            const clock = new ScaledClock(3);
            const started = performance.now();
            const modelledStart = clock.now();
            await clock.sleep(20);
            const wall = performance.now() - started;
            assert.ok(wall >= 59, `20 modelled ms at K = 3 took ${wall} wall ms`);
            const modelled = clock.now() - modelledStart;
            assert.ok(Math.abs(modelled - wall / 3) < 2, `modelled ${modelled} ms = wall ${wall} ms ÷ 3`);
        });

        it("goes on from the same modelled moment at a new K, and keeps each waiting timer's modelled due time", async () => {
            const base = new ManualClock(0);
            const clock = new ScaledClock(10, base);
            const seen: Array<[string, number]> = [];
            clock.setTimeout(() => seen.push(["timeout", clock.now()]), 300);
            const interval = clock.setInterval(() => seen.push(["tick", clock.now()]), 200);
            base.advance(1_000);
            assert.equal(clock.now(), 100);
            clock.rescale(2);
            assert.equal(clock.scale, 2);
            assert.equal(clock.now(), 100, "no jump at the change");
            base.advance(199);
            assert.deepEqual(seen, [], "the tick due at 200 modelled ms is 100 modelled ms away: 200 wall ms at K = 2, not 1,000");
            base.advance(1);
            base.advance(200);
            base.advance(200);
            interval.cancel();
            assert.deepEqual(seen, [
                ["tick", 200],
                ["timeout", 300],
                ["tick", 400],
            ]);
        });

        it("converts moments before a rescale with the K they had, and later ones with the new K", () => {
            const base = new ManualClock(0);
            const clock = new ScaledClock(10, base);
            base.advance(1_000);
            clock.rescale(4);
            base.advance(400);
            assert.equal(clock.now(), 200);
            assert.equal(clock.fromWall(500), 50, "half way through the K = 10 stretch");
            assert.equal(clock.toWall(50), 500);
            assert.equal(clock.toWall(300), 1_000 + 200 * 4);
            assert.deepEqual(clock.scales, [
                { fromMs: 0, scale: 10 },
                { fromMs: 100, scale: 4 },
            ]);
        });

        it("tells whoever listens of a new K, once, and nothing when K stays", () => {
            const clock = new ScaledClock(8, new ManualClock(0));
            const heard: number[] = [];
            const stop = clock.onRescale((scale) => heard.push(scale));
            clock.rescale(8);
            clock.rescale(3);
            stop();
            clock.rescale(5);
            assert.deepEqual(heard, [3]);
            assert.throws(() => clock.rescale(0), /time scale must be a finite number more than 0 \(got 0\)/);
        });

        it("refuses a scale that is not a positive number", () => {
            assert.throws(() => new ScaledClock(0), /time scale must be a finite number more than 0 \(got 0\)/);
            assert.throws(() => new ScaledClock(Number.NaN), /got NaN/);
        });

        it("is scale 1 and converts nothing for the real and the manual clock", () => {
            assert.equal(realClock.scale, 1);
            assert.equal(realClock.toWall(123), 123);
            assert.equal(new ManualClock().fromWall(456), 456);
        });
    });
});
