import * as fs from "node:fs";
import { readProcessCpuSeconds } from "../time-scale/machine-cpu";

/**
 * Peak memory of a process tree, sampled from /proc (Linux): every process below the root, with
 * its peak resident set (VmHWM, the kernel's high-water mark) as last seen. A process that lives
 * less than one sampling interval can be missed; one that exits keeps its last sample.
 */
export interface ProcessPeak {
    pid: number;
    role: string;
    peakRssKiB: number;
    /** User plus system CPU time, as last seen. */
    cpuSeconds: number;
}

export interface ProcessMemorySampler {
    /** Every process seen, with its peak. */
    peaks(): ProcessPeak[];
    stop(): void;
}

function readStatus(pid: number): { ppid: number; hwmKiB: number } | undefined {
    try {
        const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
        const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
        const hwmKiB = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
        return { ppid, hwmKiB };
    } catch {
        return undefined;
    }
}

/** What a process of this project is, from its command line and (for a sandbox) its function name. */
export function roleOf(pid: number, rootPid: number): string {
    if (pid === rootPid) return "runtime";
    let cmdline = "";
    try {
        cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
    } catch {
        return "other";
    }
    if (cmdline.includes("serve-stand-in") && cmdline.includes("fauxqs")) return "fauxqs (S3, SQS)";
    if (cmdline.includes("serve-stand-in") && cmdline.includes("kinesalite")) return "kinesalite (Kinesis)";
    if (cmdline.includes("sandbox-bootstrap")) {
        try {
            const environ = fs.readFileSync(`/proc/${pid}/environ`, "utf8");
            const name = /(?:^|\0)AWS_LAMBDA_FUNCTION_NAME=([^\0]*)/.exec(environ)?.[1] ?? "";
            if (name.endsWith("-splitter")) return "splitter sandbox";
            if (name.endsWith("-writer")) return "writer sandbox";
        } catch {
            // gone already
        }
        return "sandbox";
    }
    return "other";
}

export function sampleProcessMemory(rootPid = process.pid, intervalMs = 1000): ProcessMemorySampler {
    const seen = new Map<number, ProcessPeak>();
    const sample = () => {
        let pids: number[];
        try {
            pids = fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name)).map(Number);
        } catch {
            return;
        }
        const parents = new Map<number, { ppid: number; hwmKiB: number }>();
        for (const pid of pids) {
            const status = readStatus(pid);
            if (status) parents.set(pid, status);
        }
        const inTree = (pid: number): boolean => {
            for (let current = pid, hops = 0; hops < 16; hops++) {
                if (current === rootPid) return true;
                const parent = parents.get(current)?.ppid;
                if (parent === undefined || parent <= 1) return false;
                current = parent;
            }
            return false;
        };
        for (const [pid, status] of parents) {
            if (!inTree(pid)) continue;
            const known = seen.get(pid);
            const cpuSeconds = readProcessCpuSeconds(pid);
            if (known) {
                known.peakRssKiB = Math.max(known.peakRssKiB, status.hwmKiB);
                known.cpuSeconds = Math.max(known.cpuSeconds, cpuSeconds);
            } else seen.set(pid, { pid, role: roleOf(pid, rootPid), peakRssKiB: status.hwmKiB, cpuSeconds });
        }
    };
    sample();
    const timer = setInterval(sample, intervalMs);
    timer.unref();
    return {
        peaks: () => {
            sample();
            return [...seen.values()].map((peak) => ({ ...peak }));
        },
        stop: () => clearInterval(timer),
    };
}

export interface RoleUsage {
    role: string;
    processes: number;
    maxPeakMiB: number;
    sumPeakMiB: number;
    cpuSeconds: number;
}

/** Peaks per role: how many processes, the largest and summed peak, and the CPU time they used. */
export function peaksByRole(peaks: readonly ProcessPeak[]): RoleUsage[] {
    const roles = new Map<string, RoleUsage>();
    for (const peak of peaks) {
        const row = roles.get(peak.role) ?? { role: peak.role, processes: 0, maxPeakMiB: 0, sumPeakMiB: 0, cpuSeconds: 0 };
        row.processes++;
        row.maxPeakMiB = Math.max(row.maxPeakMiB, peak.peakRssKiB / 1024);
        row.sumPeakMiB += peak.peakRssKiB / 1024;
        row.cpuSeconds += peak.cpuSeconds;
        roles.set(peak.role, row);
    }
    return [...roles.values()].sort((a, b) => a.role.localeCompare(b.role));
}
