import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { BusiestWindow, CPU_BOUND_FRACTION, formatHeadroom, headroomBetween, PEAK_STEP_SECONDS, PEAK_WINDOW_SECONDS, startHeadroomMeter } from "../../runtime/time-scale/headroom";
import { parseCpuMax, parseProcStat } from "../../runtime/time-scale/machine-cpu";

const STAT = (user: number, idle: number) =>
    [`cpu  ${user} 0 0 ${idle} 0 0 0 0 0 0`, `cpu0 ${user / 2} 0 0 ${idle / 2} 0 0 0 0 0 0`, `cpu1 ${user / 2} 0 0 ${idle / 2} 0 0 0 0 0 0`, "intr 1 2 3"].join("\n");

describe("the machine's headroom", () => {
    it("reads busy and total core-seconds and the host's cores from /proc/stat", () => {
        const times = parseProcStat("cpu  100 20 30 800 50 0 5 0 0 0\ncpu0 50 10 15 400 25 0 2 0 0 0\ncpu1 50 10 15 400 25 0 3 0 0 0\n");
        assert.deepEqual(times, { busySeconds: 1.55, totalSeconds: 10.05, cores: 2 });
    });

    it("is the busy share of the cores between two readings", () => {
        const headroom = headroomBetween(parseProcStat(STAT(0, 0)), parseProcStat(STAT(100, 300)), 2, 2);
        assert.equal(headroom.busyCores, 0.5);
        assert.equal(headroom.busyFraction, 0.25);
        assert.equal(headroom.cpuBound, false);
    });

    it("flags a run above 85% busy as CPU-bound, and counts busy cores against a smaller quota", () => {
        assert.equal(CPU_BOUND_FRACTION, 0.85);
        const saturated = headroomBetween(parseProcStat(STAT(0, 0)), parseProcStat(STAT(190, 10)), 1, 2);
        assert.equal(saturated.cpuBound, true);
        assert.match(formatHeadroom(saturated), /^95% of 2 cores busy .* ⚠ CPU-bound/);
        const quota = headroomBetween(parseProcStat(STAT(0, 0)), parseProcStat(STAT(100, 100)), 1, 1);
        assert.equal(quota.busyFraction, 1, "one busy core of two is all of a one-core quota");
    });

    it("leaves the awake-cores loops' CPU out of the busy cores, and says the cores were kept awake", () => {
        // 2 s on 2 cores: 3.2 core-seconds busy, of which 2.8 are the idle-priority loops.
        const headroom = headroomBetween(parseProcStat(STAT(0, 0)), parseProcStat(STAT(320, 80)), 2, 2, 2.8);
        assert.ok(Math.abs(headroom.busyCores - 0.2) < 1e-9, `busy cores ${headroom.busyCores}`);
        assert.equal(headroom.cpuBound, false);
        assert.match(formatHeadroom({ ...headroom, coresKeptAwake: "sched-idle" }), /10% of 2 cores busy .*cores kept awake by SCHED_IDLE loops, not counted/);
        assert.doesNotMatch(formatHeadroom({ ...headroom, coresKeptAwake: "off" }), /kept awake/);
    });

    it("finds the busiest second of a run, whose mean hides a burst", () => {
        assert.equal(PEAK_WINDOW_SECONDS, 1);
        // 2 cores, 10 s: 9 quiet seconds at 10% busy and one burst second at 95%; the loops' CPU left out.
        const windows = new BusiestWindow(2);
        let busy = 0;
        let excluded = 0;
        const readings = [];
        for (let second = 0; second <= 10; second++) {
            if (second > 0) {
                // Each second has 200 ticks on 2 cores, all busy to the kernel: the loops fill the idle ones.
                const load = second === 5 ? 190 : 20;
                busy += 200;
                excluded += (200 - load) / 100;
            }
            const reading = { times: parseProcStat(STAT(busy, 0)), excludedSeconds: excluded, wallSeconds: second };
            readings.push(reading);
            windows.add(reading);
        }
        const [first, last] = [readings[0], readings[readings.length - 1]];
        const mean = headroomBetween(first.times, last.times, 10, 2, last.excludedSeconds - first.excludedSeconds);
        assert.ok(Math.abs(mean.busyFraction - 0.185) < 1e-9, `mean ${mean.busyFraction}`);
        assert.ok(Math.abs(windows.busiestFraction - 0.95) < 1e-9, `busiest ${windows.busiestFraction}`);
    });

    it("slides its one-second windows in quarter seconds, so a burst across a second's edge is seen whole", () => {
        assert.equal(PEAK_STEP_SECONDS, 0.25);
        // 2 cores read every 0.25 s for 4 s (50 ticks a step): 10% busy, but all busy from 1.75 to 2.25 s. Windows
        // fixed at whole seconds would see two halves of the burst (32.5% each); the window from 1.25 or 1.5 s holds it all.
        const windows = new BusiestWindow(2);
        let busy = 0;
        let idle = 0;
        for (let step = 0; step <= 16; step++) {
            if (step > 0) {
                const share = step === 8 || step === 9 ? 1 : 0.1;
                busy += 50 * share;
                idle += 50 * (1 - share);
            }
            windows.add({ times: parseProcStat(STAT(busy, idle)), excludedSeconds: 0, wallSeconds: step * 0.25 });
        }
        assert.ok(Math.abs(windows.busiestFraction - 0.55) < 1e-9, `busiest ${windows.busiestFraction}`);
        assert.match(formatHeadroom({ ...headroomBetween(parseProcStat(STAT(0, 0)), parseProcStat(STAT(40, 160)), 1, 2), peakBusyFraction: 0.62 }), /^20% of 2 cores busy over 1\.0 s wall, 62% in the busiest second/);
    });

    it("measures a real burst in its busiest second that the run's mean dilutes, and stops reading when disposed of", async function () {
        this.timeout(10_000);
        const meter = startHeadroomMeter();
        await new Promise((resolve) => setTimeout(resolve, 1500));
        // One core of two kept busy for 1.5 s, by another process, as the sandboxes are: the meter reads on.
        await new Promise((resolve, reject) => {
            const child = spawn(process.execPath, ["-e", "const until = Date.now() + 1500; while (Date.now() < until) {}"], { stdio: "ignore" });
            child.on("error", reject);
            child.on("exit", resolve);
        });
        const headroom = meter.stop();
        meter[Symbol.dispose]();
        assert.ok((headroom.peakBusyFraction ?? 0) >= 0.45, `one busy core of two is about 50% in the busiest second (got ${headroom.peakBusyFraction})`);
        assert.ok((headroom.peakBusyFraction ?? 0) > headroom.busyFraction, `the mean over 3 s (${headroom.busyFraction}) is diluted by the quiet 1.5 s`);
    });

    it("reads a cgroup v2 quota, and none from max", () => {
        assert.equal(parseCpuMax("150000 100000\n"), 1.5);
        assert.equal(parseCpuMax("max 100000\n"), undefined);
    });
});
