import * as assert from "node:assert/strict";
import { BusiestWindow, CPU_BOUND_FRACTION, formatHeadroom, headroomBetween, PEAK_WINDOW_SECONDS } from "../../runtime/time-scale/headroom";
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

    it("leaves out a last window too short to count", () => {
        const windows = new BusiestWindow(2);
        windows.add({ times: parseProcStat(STAT(0, 200)), excludedSeconds: 0, wallSeconds: 0 });
        windows.add({ times: parseProcStat(STAT(40, 360)), excludedSeconds: 0, wallSeconds: 1 });
        windows.add({ times: parseProcStat(STAT(80, 360)), excludedSeconds: 0, wallSeconds: 1.2 });
        assert.ok(Math.abs(windows.busiestFraction - 0.2) < 1e-9, `a 0.2 s window of 100% is not a peak: ${windows.busiestFraction}`);
        assert.match(formatHeadroom({ ...headroomBetween(parseProcStat(STAT(0, 0)), parseProcStat(STAT(40, 160)), 1, 2), peakBusyFraction: 0.62 }), /^20% of 2 cores busy over 1\.0 s wall, 62% in the busiest second/);
    });

    it("reads a cgroup v2 quota, and none from max", () => {
        assert.equal(parseCpuMax("150000 100000\n"), 1.5);
        assert.equal(parseCpuMax("max 100000\n"), undefined);
    });
});
