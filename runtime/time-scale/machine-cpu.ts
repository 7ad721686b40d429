import * as fs from "node:fs";
import * as os from "node:os";

/**
 * How busy the whole machine's cores are: cumulative busy and total CPU time of every core, read
 * from /proc/stat (Linux) or, elsewhere, from os.cpus(). Other processes' load counts, on
 * purpose: a run competes with everything else the machine does.
 */
export interface CpuTimes {
    /** Core-seconds spent on work (user, nice, system, irq, softirq, steal). */
    busySeconds: number;
    /** Core-seconds in all, idle and iowait included. */
    totalSeconds: number;
    /** Cores the counters cover (the host's, not a container's quota). */
    cores: number;
}

/** Linux reports /proc/stat in clock ticks; USER_HZ is 100 on every mainstream architecture. */
const TICKS_PER_SECOND = 100;

/** Parses the aggregate `cpu` line of /proc/stat (and counts the `cpuN` lines). */
export function parseProcStat(text: string): CpuTimes {
    const lines = text.split("\n");
    const aggregate = lines.find((line) => /^cpu\s/.test(line));
    if (!aggregate) throw new Error("/proc/stat has no aggregate cpu line");
    const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = aggregate.trim().split(/\s+/).slice(1).map(Number);
    const busy = user + nice + system + irq + softirq + steal;
    return { busySeconds: busy / TICKS_PER_SECOND, totalSeconds: (busy + idle + iowait) / TICKS_PER_SECOND, cores: lines.filter((line) => /^cpu\d+\s/.test(line)).length };
}

/** utime + stime of a process, in seconds, from /proc/<pid>/stat; 0 where it can't be read. */
export function readProcessCpuSeconds(pid: number): number {
    try {
        return parseProcessCpuSeconds(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
        return 0;
    }
}

/** Fields 14 and 15 of /proc/<pid>/stat, counted after the command name's closing parenthesis. */
export function parseProcessCpuSeconds(stat: string): number {
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

export function readCpuTimes(): CpuTimes {
    try {
        return parseProcStat(fs.readFileSync("/proc/stat", "utf8"));
    } catch {
        const cpus = os.cpus();
        let busy = 0;
        let total = 0;
        for (const { times } of cpus) {
            busy += times.user + times.nice + times.sys + times.irq;
            total += times.user + times.nice + times.sys + times.irq + times.idle;
        }
        return { busySeconds: busy / 1000, totalSeconds: total / 1000, cores: cpus.length };
    }
}

/**
 * Cores this process may use: os.availableParallelism(), or fewer when a cgroup CPU quota says
 * so (v2 `cpu.max`, v1 `cpu.cfs_quota_us` ÷ `cpu.cfs_period_us`).
 */
export function availableCores(): number {
    const parallelism = os.availableParallelism();
    const quota = cgroupQuotaCores();
    return quota === undefined ? parallelism : Math.min(parallelism, quota);
}

/** Parses cgroup v2's `cpu.max` ("max 100000" or "150000 100000") into cores, undefined without a quota. */
export function parseCpuMax(text: string): number | undefined {
    const [quota, period] = text.trim().split(/\s+/);
    if (quota === "max" || !(Number(quota) > 0) || !(Number(period) > 0)) return undefined;
    return Number(quota) / Number(period);
}

function cgroupQuotaCores(): number | undefined {
    const read = (file: string) => {
        try {
            return fs.readFileSync(file, "utf8");
        } catch {
            return undefined;
        }
    };
    const v2 = read("/sys/fs/cgroup/cpu.max");
    if (v2 !== undefined) return parseCpuMax(v2);
    const quota = Number(read("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"));
    const period = Number(read("/sys/fs/cgroup/cpu/cpu.cfs_period_us"));
    return quota > 0 && period > 0 ? quota / period : undefined;
}
