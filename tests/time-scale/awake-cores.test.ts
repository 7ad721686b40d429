import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { keepCoresAwake } from "../../runtime/time-scale/awake-cores";
import { parseProcessCpuSeconds, readProcessCpuSeconds } from "../../runtime/time-scale/machine-cpu";

/** The scheduling policy of a process, from /proc/<pid>/sched (5 is SCHED_IDLE), and its nice value from /proc/<pid>/stat. */
function policyOf(pid: number): { policy: number; nice: number } {
    const sched = fs.readFileSync(`/proc/${pid}/sched`, "utf8");
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return { policy: Number(/^policy\s*:\s*(\d+)/m.exec(sched)?.[1]), nice: Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]) };
}

describe("keeping the cores awake during a dilated run", function () {
    this.timeout(20_000);

    it("reads a process's user and system CPU from /proc/<pid>/stat, with spaces and parentheses in its name", () => {
        // Fields after the name: state, ppid, pgrp, session, tty, tpgid, flags, minflt, cminflt, majflt, cmajflt, utime, stime.
        const stat = "4242 (node (x) y) R 1 1 1 0 -1 4194304 10 0 0 0 250 75 0 0 20 0 1 0";
        assert.equal(parseProcessCpuSeconds(stat), 3.25);
    });

    it("runs one loop per core at the lowest priority, counts their CPU, and stops them when disposed", async function () {
        if (!fs.existsSync("/proc/self/sched")) this.skip();
        // Prepare
        const awake = keepCoresAwake(2);
        let pids: number[] = [];
        try {
            // Act: let them run a moment
            await new Promise((resolve) => setTimeout(resolve, 700));
            pids = fs
                .readdirSync("/proc")
                .filter((entry) => /^\d+$/.test(entry))
                .map(Number)
                .filter((pid) => {
                    try {
                        return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("for (;;) {}") && fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(" ")[3] === String(process.pid);
                    } catch {
                        return false;
                    }
                });
            // Assess
            assert.equal(awake.loops, 2);
            assert.equal(pids.length, 2, "one loop per core, children of this process");
            for (const pid of pids) {
                const { policy, nice } = policyOf(pid);
                if (awake.mode === "sched-idle") assert.equal(policy, 5, `loop ${pid} runs under SCHED_IDLE`);
                else assert.equal(nice, 19, `loop ${pid} runs at nice 19`);
            }
            assert.ok(awake.cpuSeconds() > 0, `the loops used ${awake.cpuSeconds()} s of CPU: on an otherwise idle core they run`);
        } finally {
            await awake[Symbol.asyncDispose]();
        }
        for (const pid of pids) assert.equal(fs.existsSync(`/proc/${pid}`) && readProcessCpuSeconds(pid) > 0 && !fs.readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z"), false, `loop ${pid} is gone`);
    });
});
