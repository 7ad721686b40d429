import { vcpuShare } from "../../planner/function-cpu";
import { openCpuCgroups, type CpuCgroups } from "./cpu-cgroups";

/**
 * Lambda's CPU share: a function gets CPU in proportion to its memory, "At 1,769 MB, a function
 * has the equivalent of one vCPU (one vCPU-second of credits per second)" (Lambda developer
 * guide, "Configure Lambda function memory"). Under a time scale K (modelled durations take K
 * times longer in wall time) a sandbox gets that share divided by K.
 *
 * Init (a cold start) is different: "On-demand Lambda functions use a full vCPU (non-throttled)
 * but is limited to 10 seconds during its initialization phase ... For provisioned concurrency,
 * there is no cpu burst and goes directly to using proportional vCPU based on the memory
 * allocation" (D. Mahapatro, AWS Principal Specialist SA, Serverless Land, "Effectively running
 * Java on Serverless: Utilize initialization phase"). The Lambda developer guide ("Understanding
 * the Lambda execution environment lifecycle", Init phase) gives the 10 s limit, which
 * sandbox.ts enforces. So init gets max(1, memory share) cores ÷ K, and the memory share once
 * the handler is ready.
 *
 * Two ways to hold a sandbox to its share:
 * - `cgroup-v1` / `cgroup-v2`: the kernel's CPU quota (cpu.cfs_quota_us or cpu.max), one group
 *   per sandbox (cpu-cgroups.ts). Needs a writable cpu controller (Linux, root).
 * - `measured`: the sandbox measures each invocation's CPU time (process.cpuUsage) and waits
 *   out cpu ÷ share − wall before it answers, so the invocation lasts as long as it would at
 *   its share. Works anywhere; CPU contention between sandboxes is not modelled.
 * - `off`: no share (a plain local run at full speed).
 */

export const CPU_SHARE_CHOICES = ["auto", "cgroup", "measured", "off"] as const;
/** What a run asks for: `auto` takes the kernel's quota where it can, and measures elsewhere. */
export type CpuShareChoice = (typeof CPU_SHARE_CHOICES)[number];
export type CpuShareMode = "cgroup-v1" | "cgroup-v2" | "measured" | "off";

/** Cores a function's sandbox may use while it runs invocations (at time scale K). */
export function invokeCores(memoryMb: number, timeScale = 1): number {
    return vcpuShare(memoryMb) / timeScale;
}

/** Cores during init: a full vCPU (or the memory share when that is more), ÷ K. */
export function initCores(memoryMb: number, timeScale = 1): number {
    return Math.max(1, vcpuShare(memoryMb)) / timeScale;
}

/** What the pool reports in its stats (and the run in its report). */
/** Invocation ordinals kept apart in CpuShareStats.cpuMsByOrdinal; later ones share the last element. */
export const CPU_ORDINALS = 64;

export interface CpuShareStats {
    mode: CpuShareMode;
    /** Cores a sandbox gets while it runs invocations, and during init (undefined when off). */
    invokeCores?: number;
    initCores?: number;
    timeScale: number;
    /** CPU time the sandboxes measured in their invocations, summed, in ms (every mode). */
    invocationCpuMs: number;
    /**
     * V8's warm-up, invocation by invocation: element i sums the CPU (ms) of every sandbox's
     * (i + 1)-th invocation, and `invocationsByOrdinal[i]` counts them; element 0 is the cold
     * starts', and the last element also holds every later invocation (at most CPU_ORDINALS elements).
     * `recordsByOrdinal[i]` sums their events' records (a Kinesis batch's).
     */
    cpuMsByOrdinal: number[];
    invocationsByOrdinal: number[];
    recordsByOrdinal: number[];
    /** CPU of the sandboxes' init phases (Node's start, the module's load), summed, and how many inits finished. */
    initCpuMs: number;
    inits: number;
    /** Wall time the measured mode added to invocations and inits, summed, in ms. */
    addedWaitMs: number;
}

/** How one function's sandboxes get their share: the mode, and the kernel's groups when it enforces it. */
export interface CpuSharePlan {
    mode: CpuShareMode;
    invokeCores: number;
    initCores: number;
    timeScale: number;
    /** Present in the cgroup modes. */
    cgroups?: CpuCgroups;
}

/** The same plan at a new time scale K (the run's K changed: runtime/clock.ts, rescale): the mode and the groups stay, the cores follow K. */
export function rescaleCpuShare(plan: CpuSharePlan, memoryMb: number, timeScale: number): CpuSharePlan {
    return { ...plan, invokeCores: invokeCores(memoryMb, timeScale), initCores: initCores(memoryMb, timeScale), timeScale };
}

export function planCpuShare(choice: CpuShareChoice, memoryMb: number, timeScale: number): CpuSharePlan {
    if (!(CPU_SHARE_CHOICES as readonly string[]).includes(choice)) throw new Error(`cpuShare must be one of ${CPU_SHARE_CHOICES.join(", ")} (got "${String(choice)}")`);
    if (!(Number.isFinite(timeScale) && timeScale > 0)) throw new Error(`timeScale must be a number more than 0 (got ${timeScale})`);
    const base = { invokeCores: invokeCores(memoryMb, timeScale), initCores: initCores(memoryMb, timeScale), timeScale };
    if (choice === "off" || choice === "measured") return { mode: choice, ...base };
    const cgroups = openCpuCgroups();
    if (cgroups) return { mode: cgroups.mode, ...base, cgroups };
    if (choice === "cgroup") {
        throw new Error(
            "--cpu-share cgroup needs a writable cgroup cpu controller (/sys/fs/cgroup/cpu for v1, or cpu.max under /sys/fs/cgroup for v2, as root); use --cpu-share measured or auto",
        );
    }
    return { mode: "measured", ...base };
}
