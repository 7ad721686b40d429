import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { realClock, type Timer } from "../clock";
import { AWS_LIMITS } from "../../settings/aws-limits";
import { SliceBudget } from "./slice-budget";

/**
 * The kernel's CPU quota for sandboxes: one cgroup per sandbox, under one parent group per run
 * (`kinesis-fanout-<pid>`), so that runs never share groups.
 * - cgroup v1: /sys/fs/cgroup/cpu/<parent>/<sandbox>/cpu.cfs_quota_us over cpu.cfs_period_us.
 * - cgroup v2: /sys/fs/cgroup/<parent>/<sandbox>/cpu.max ("quota period"), with +cpu enabled in
 *   the subtree_control of the root and of the parent.
 * A group is removed (rmdir) when its sandbox is gone, and every group at the process's exit; a
 * parent left by a killed run (its pid no longer alive) is removed the next time groups are made.
 *
 * Where a window is longer than the kernel's 1 s period (K > 10, or a small share's window
 * stretched to MIN_SLICE_US) a group is also given a driver that keeps it to one slice per window
 * (slice-budget.ts): it reads the group's CPU usage (cgroup v1: a group
 * of the same name in the cpuacct hierarchy, or cpuacct.usage where cpu and cpuacct share one;
 * v2: usage_usec in cpu.stat) and stops the process with SIGSTOP once the window's slice is used,
 * until the next window (SIGCONT).
 */

export const CGROUP_ROOT = "/sys/fs/cgroup";
const PARENT_PREFIX = "kinesis-fanout-";
const DEFAULT_PERIOD_US = 100_000;
/** The kernel's bound on the period: 1 ms to 1 s (the quota at least 1 ms, which MIN_SLICE_US keeps). */
export const MAX_PERIOD_US = 1_000_000;
/**
 * The memory of every shape `npm run calibrate-cpu` measures the writer's CPU in: its sandboxes ran
 * in slices of this share × 100 ms, the slice length the planner's CPU figures hold for.
 */
const CALIBRATION_MEMORY_MB = 512;
/**
 * The shortest slice a sandbox runs in: the calibration's, 512 MB's share of the 100 ms period
 * (28.9 ms). Smaller shares get a longer window instead of a shorter slice (quotaFor).
 */
export const MIN_SLICE_US = Math.floor((CALIBRATION_MEMORY_MB / AWS_LIMITS.lambda.memoryMbPerVcpu) * DEFAULT_PERIOD_US);
/** Where in [0, 1) a driver's windows begin, as a fraction of a window: each sandbox its own. */
const windowPhase = () => Math.random();
/** How often a window's driver reads its group's CPU usage (wall ms): at most, and at least. */
const USAGE_POLL_MS = { max: 50, min: 1 };

export interface CpuGroup {
    readonly dir: string;
    /** Holds the group's processes to `cores` of a core (more than 1 allowed); `timeScale`, when given, is the run's new K (the window's length follows it). */
    setCores(cores: number, timeScale?: number): void;
    /** Whether a window longer than the kernel's period is kept by a driver (slice-budget.ts). */
    readonly windowed: boolean;
    /** Moves any process still in it to the root group and removes it; safe to call twice. */
    remove(): void;
}

export interface CpuCgroups {
    readonly mode: "cgroup-v1" | "cgroup-v2";
    /** The folder under which this process makes its groups. */
    readonly parentDir: string;
    /**
     * Puts `pid` in a new group of its own, held to `cores`, over a period of 100 ms × `timeScale`
     * (quotaFor): under time dilation the quota's period is a modelled duration too.
     */
    join(pid: number, cores: number, timeScale?: number): CpuGroup;
    /** Groups of this process still present. */
    groupsLeft(): string[];
}

/**
 * Period and quota for a share of `cores`: a window of the default 100 ms period, times the time
 * scale K, and longer where the slice would be shorter than MIN_SLICE_US. `quotaUs` is the
 * window's slice.
 * Up to the kernel's 1 s the period is the window; past it the period is the window cut into the
 * fewest equal parts of at most 1 s, each allowed the whole slice, and a driver keeps the group
 * to one slice per window (slice-budget.ts).
 *
 * Why the window is dilated: a share of s cores runs in slices of s × period, each one resumed
 * with cold caches after the others ran, and each slice's restart costs CPU. With the share
 * divided by K and the period kept at 100 ms, a dilated sandbox ran in K times more, K times
 * shorter slices and paid for it: on the dev stack (256 MB writer, K = 3.5, cores kept awake), a
 * warm invocation took 180 ms of CPU against 130 ms planned from runs at K = 1. With the period
 * capped at the kernel's 1 s and no driver, one writer lane of pf10's shape (batches of 100, 4 in
 * flight, 512 MB), alone, used 0.82 and 0.85 times the calibrated CPU at K = 6 and 10 (slices of
 * 29 ms), and 1.34 at K = 35.5 (slices of 8 ms; 1.37 again with V8's memory reducer off, so not
 * that), on 2026-12-02; 0.79 and 1.31 on 2026-12-03. With the driver, 1.03, 1.14 and 1.09 at
 * K = 35.5, and 0.93 at K = 6, three runs minutes apart (2026-12-03).
 *
 * Why no slice is shorter than the calibration's 28.9 ms: AWS, as measured from inside a function, throttles in
 * 20 ms periods (github.com/pwrdrvr/lambda-throttling: a 128 MB function runs about 1.45 ms of
 * each 20 ms), and there the short slices cost little: a step of its CPU-bound work took 4.17 ms
 * of CPU at 128 MB against 3.59 ms at 1,769 MB (1.16 times; one run per size, 2025-03-01). On
 * this machine they cost far more: a 128 MB writer (7.2 ms slices at K = 4) used 2.05 times the
 * calibrated CPU, 512 MB writers in 8 ms slices 1.31 to 1.34 times, while 256 MB writers in
 * 14.5 ms slices used 0.71 to 0.82 times, and 512 MB ones in 29 ms slices 0.79 to 0.93 times. A
 * floor of 14.5 ms still cost the 128 MB writer (14.5 ms every 800 ms of wall time at K = 4) 2.09,
 * 1.52 and 1.47 times the calibrated CPU, and 2.22, 1.59 and 1.54 times its planned seconds, where
 * the calibration's 28.9 ms slices (every 1.6 s) cost it 1.11 and 1.21 times, and 1.14 and 1.26
 * times its planned seconds (2026-12-03, five runs from 07:37 to 08:17, minutes apart). So the runtime gives every
 * share AWS's CPU per unit of time, over a window long enough for the calibration's slice (a
 * 128 MB sandbox: 28.9 ms every 400 ms of AWS time), and models AWS's share, not its slice
 * length: CPU-bound work at 128 MB costs the same per record as at 1,769 MB here, where AWS was
 * measured at about 1.16 times.
 */
export function quotaFor(cores: number, timeScale = 1): { periodUs: number; quotaUs: number; windowUs: number } {
    if (!(cores > 0)) throw new Error(`a CPU quota needs more than 0 cores (got ${cores})`);
    if (!(timeScale > 0)) throw new Error(`a CPU quota's time scale must be more than 0 (got ${timeScale})`);
    const windowUs = Math.max(Math.round(DEFAULT_PERIOD_US * Math.max(1, timeScale)), Math.ceil(MIN_SLICE_US / cores));
    const periodUs = Math.round(windowUs / Math.ceil(windowUs / MAX_PERIOD_US));
    return { periodUs, quotaUs: Math.round(cores * windowUs), windowUs };
}

let opened: CpuCgroups | null | undefined;

/** This process's groups, or null when no cgroup cpu controller is writable here. Checked once. */
export function openCpuCgroups(root = CGROUP_ROOT): CpuCgroups | null {
    if (opened !== undefined && root === CGROUP_ROOT) return opened;
    const found = tryOpen(root);
    if (root === CGROUP_ROOT) opened = found;
    return found;
}

function tryOpen(root: string): CpuCgroups | null {
    const v1 = path.join(root, "cpu");
    if (fs.existsSync(path.join(v1, "cpu.cfs_quota_us"))) return tryHierarchy("cgroup-v1", v1);
    const controllers = readOr(path.join(root, "cgroup.controllers"), "");
    if (controllers.split(/\s+/).includes("cpu")) return tryHierarchy("cgroup-v2", root);
    return null;
}

function tryHierarchy(mode: CpuCgroups["mode"], hierarchy: string): CpuCgroups | null {
    const groups = new RunGroups(mode, hierarchy);
    try {
        groups.ensureParent();
        groups.releaseParentIfEmpty();
        return groups;
    } catch {
        return null;
    }
}

class RunGroups implements CpuCgroups {
    readonly parentDir: string;
    /** cgroup v1's cpuacct hierarchy where it is mounted apart from cpu: the groups' CPU usage for windows past 1 s. */
    private readonly accounting?: { hierarchy: string; parentDir: string };
    private readonly live = new Set<string>();
    private next = 0;
    private exitHooked = false;

    constructor(readonly mode: CpuCgroups["mode"], private readonly hierarchy: string) {
        this.parentDir = path.join(hierarchy, `${PARENT_PREFIX}${process.pid}`);
        const accounting = path.join(path.dirname(hierarchy), "cpuacct");
        if (mode === "cgroup-v1" && accounting !== hierarchy && fs.existsSync(path.join(accounting, "cpuacct.usage"))) {
            this.accounting = { hierarchy: accounting, parentDir: path.join(accounting, path.basename(this.parentDir)) };
        }
    }

    join(pid: number, cores: number, joinedAt = 1): CpuGroup {
        let timeScale = joinedAt;
        this.ensureParent();
        const name = `sandbox-${++this.next}`;
        const dir = path.join(this.parentDir, name);
        fs.mkdirSync(dir);
        this.live.add(dir);
        let driver: SliceDriver | undefined;
        let quota: ReturnType<typeof quotaFor>;
        /** The group's CPU usage, once found (usageReader makes a cpuacct group for it on v1); null until then. */
        let readUsageUs: (() => number) | undefined | null = null;
        // A window longer than the kernel's period needs the driver, whichever share made it so: init's (K past 10) or
        // the invocations' (a small share's window, stretched to MIN_SLICE_US, past 1 s). Each new share sets the window
        // and the slice anew, so a sandbox never keeps the kernel's one slice per part of a longer window.
        const drive = () => {
            if (quota.windowUs <= quota.periodUs) {
                driver?.stop();
                driver = undefined;
                return;
            }
            if (driver) return driver.reset(quota.quotaUs, quota.windowUs / 1000);
            if (readUsageUs === null) readUsageUs = this.usageReader(name, pid);
            // Writing the quota again refills the kernel's pool for the period running (tg_set_cfs_bandwidth), so a window's
            // slice is not cut short by what the previous window's slice used of the same kernel period.
            const refill = () => this.writeQuota(dir, quota);
            if (readUsageUs) driver = new SliceDriver(pid, readUsageUs, refill, quota.quotaUs, quota.windowUs / 1000);
        };
        const group: CpuGroup = {
            dir,
            get windowed() {
                return driver !== undefined;
            },
            setCores: (share, rescaled) => {
                if (rescaled !== undefined) timeScale = rescaled;
                quota = this.setCores(dir, share, timeScale);
                drive();
            },
            remove: () => {
                driver?.stop();
                if (!this.live.delete(dir)) return;
                removeGroup(dir, this.hierarchy);
                if (this.accounting) removeGroup(path.join(this.accounting.parentDir, name), this.accounting.hierarchy);
                this.releaseParentIfEmpty();
            },
        };
        try {
            quota = this.setCores(dir, cores, timeScale);
            fs.writeFileSync(path.join(dir, "cgroup.procs"), String(pid));
            drive();
        } catch (error) {
            group.remove();
            throw error;
        }
        return group;
    }

    /**
     * Reads the group's CPU usage in µs: v2 from its cpu.stat, v1 from cpuacct.usage in the same
     * folder where cpu and cpuacct share a hierarchy, else from a group of the same name in the
     * cpuacct hierarchy, made here. Undefined where neither exists (the period stays capped).
     */
    private usageReader(name: string, pid: number): (() => number) | undefined {
        const dir = path.join(this.parentDir, name);
        if (this.mode === "cgroup-v2") return () => Number(/^usage_usec (\d+)$/m.exec(fs.readFileSync(path.join(dir, "cpu.stat"), "utf8"))?.[1] ?? NaN);
        if (fs.existsSync(path.join(dir, "cpuacct.usage"))) return () => Number(fs.readFileSync(path.join(dir, "cpuacct.usage"), "utf8")) / 1000;
        if (!this.accounting) return undefined;
        const accountingDir = path.join(this.accounting.parentDir, name);
        if (!fs.existsSync(this.accounting.parentDir)) fs.mkdirSync(this.accounting.parentDir);
        fs.mkdirSync(accountingDir);
        fs.writeFileSync(path.join(accountingDir, "cgroup.procs"), String(pid));
        return () => Number(fs.readFileSync(path.join(accountingDir, "cpuacct.usage"), "utf8")) / 1000;
    }

    groupsLeft(): string[] {
        if (!fs.existsSync(this.parentDir)) return [];
        return fs.readdirSync(this.parentDir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => path.join(this.parentDir, entry.name));
    }

    ensureParent(): void {
        if (fs.existsSync(this.parentDir)) return;
        removeStaleParents(this.hierarchy);
        if (this.accounting) removeStaleParents(this.accounting.hierarchy);
        if (this.mode === "cgroup-v2") enableCpu(this.hierarchy);
        fs.mkdirSync(this.parentDir);
        if (this.mode === "cgroup-v2") enableCpu(this.parentDir);
        if (!this.exitHooked) {
            this.exitHooked = true;
            process.once("exit", () => this.removeAll());
        }
    }

    releaseParentIfEmpty(): void {
        if (this.live.size > 0) return;
        for (const parent of [this.parentDir, this.accounting?.parentDir]) {
            try {
                if (parent) fs.rmdirSync(parent);
            } catch {
                // Still in use by a group not yet gone, or already removed (or never made).
            }
        }
    }

    private removeAll(): void {
        for (const dir of this.live) {
            removeGroup(dir, this.hierarchy);
            if (this.accounting) removeGroup(path.join(this.accounting.parentDir, path.basename(dir)), this.accounting.hierarchy);
        }
        this.live.clear();
        this.releaseParentIfEmpty();
    }

    private writeQuota(dir: string, { periodUs, quotaUs }: ReturnType<typeof quotaFor>): void {
        if (this.mode === "cgroup-v2") fs.writeFileSync(path.join(dir, "cpu.max"), `${quotaUs} ${periodUs}`);
        else fs.writeFileSync(path.join(dir, "cpu.cfs_quota_us"), String(quotaUs));
    }

    private setCores(dir: string, cores: number, timeScale: number): ReturnType<typeof quotaFor> {
        const quota = quotaFor(cores, timeScale);
        if (this.mode === "cgroup-v1") {
            // Lift the quota first, so the new period never meets an old quota it can't hold.
            fs.writeFileSync(path.join(dir, "cpu.cfs_quota_us"), "-1");
            fs.writeFileSync(path.join(dir, "cpu.cfs_period_us"), String(quota.periodUs));
        }
        this.writeQuota(dir, quota);
        return quota;
    }
}

/**
 * Keeps one process to one slice per window (SliceBudget): polls its group's usage (every 50 ms,
 * sooner as the slice runs out), stops the process (SIGSTOP) when the window's slice is used and resumes it
 * (SIGCONT) when a window gives it CPU again. Wall-clock timers: the window is already the
 * modelled 100 ms times K, like the kernel's own period.
 */
class SliceDriver {
    private budget: SliceBudget;
    private stopped = false;
    private windowTimer: Timer;
    private pollTimer: Timer;
    private ended = false;
    /** A process can use this many cores at once (V8's helper threads), so a slice can end this much sooner. */
    private readonly cores = os.availableParallelism();

    constructor(
        private readonly pid: number,
        private readonly readUsageUs: () => number,
        private readonly refillKernelQuota: () => void,
        sliceUs: number,
        private windowMs: number,
    ) {
        const stretch = 1 + windowPhase();
        this.budget = new SliceBudget(sliceUs, readUsageUs(), sliceUs * stretch);
        this.windowTimer = this.scheduleWindows(windowMs * stretch);
        this.pollTimer = this.schedulePoll();
    }

    /**
     * A new share (init's cores, then the invocations'; or a new K for all at once): a new window
     * with the new slice, at once. The first window is 1 to 2 windows long, at random, with its
     * slice in proportion, so that sandboxes whose shares changed together don't start every later
     * window together: forty sandboxes rescaled at one moment would otherwise all wake at each
     * window's start and queue for the two cores, as sandboxes on AWS, each with its own CPU, never do.
     */
    reset(sliceUs: number, windowMs: number): void {
        if (this.ended) return;
        this.windowMs = windowMs;
        this.windowTimer.cancel();
        const stretch = 1 + windowPhase();
        this.step((usage) => {
            this.budget = new SliceBudget(sliceUs, usage, sliceUs * stretch);
            return true;
        });
        if (this.ended) return;
        this.windowTimer = this.scheduleWindows(windowMs * stretch);
        this.pollTimer.cancel();
        if (!this.ended) this.pollTimer = this.schedulePoll();
    }

    /** Each window after the first (`firstMs` long): a fresh slice, and the polls timed to it. */
    private scheduleWindows(firstMs: number): Timer {
        const startWindow = () => {
            try {
                this.refillKernelQuota();
            } catch {
                // The group is gone with its sandbox; the step below ends the driver.
            }
            this.step((usage) => this.budget.startWindow(usage));
            this.pollTimer.cancel();
            if (!this.ended && !this.stopped) this.pollTimer = this.schedulePoll();
        };
        let every: Timer | undefined;
        const first = realClock.setTimeout(() => {
            every = realClock.setInterval(startWindow, this.windowMs);
            startWindow();
        }, firstMs);
        return {
            cancel: () => {
                first.cancel();
                every?.cancel();
            },
        };
    }

    /** The next poll: sooner as the slice runs out, so that the stop comes near its end. */
    private schedulePoll(): Timer {
        return realClock.setTimeout(() => {
            if (this.ended) return;
            this.step((usage) => this.budget.poll(usage));
            // A stopped process uses no CPU, so no poll can change anything until the next window restarts them.
            if (!this.ended && !this.stopped) this.pollTimer = this.schedulePoll();
        }, this.budget.nextPollMs(this.cores, USAGE_POLL_MS.min, USAGE_POLL_MS.max));
    }

    stop(): void {
        if (this.ended) return;
        this.ended = true;
        this.windowTimer.cancel();
        this.pollTimer.cancel();
        this.signal(false);
    }

    private step(decide: (usageUs: number) => boolean): void {
        let usage: number;
        try {
            usage = this.readUsageUs();
        } catch {
            this.stop();
            return;
        }
        if (Number.isFinite(usage)) this.signal(!decide(usage));
    }

    private signal(stop: boolean): void {
        if (stop === this.stopped) return;
        try {
            process.kill(this.pid, stop ? "SIGSTOP" : "SIGCONT");
            this.stopped = stop;
        } catch {
            // The process is gone: its sandbox removes the group.
            this.stopped = false;
        }
    }
}

/** Parents named for a pid that is no longer running: left by a run that was killed. */
function removeStaleParents(hierarchy: string): void {
    for (const entry of fs.readdirSync(hierarchy, { withFileTypes: true })) {
        const match = entry.isDirectory() ? /^kinesis-fanout-(\d+)$/.exec(entry.name) : null;
        if (!match || Number(match[1]) === process.pid || pidAlive(Number(match[1]))) continue;
        const parent = path.join(hierarchy, entry.name);
        for (const child of fs.readdirSync(parent, { withFileTypes: true })) {
            if (child.isDirectory()) removeGroup(path.join(parent, child.name), hierarchy);
        }
        removeGroup(parent, hierarchy);
    }
}

/** Moves what is left in the group to the root group, then removes it. Never throws. */
function removeGroup(dir: string, hierarchy: string): void {
    try {
        for (const pid of readOr(path.join(dir, "cgroup.procs"), "").split("\n").filter(Boolean)) {
            try {
                fs.writeFileSync(path.join(hierarchy, "cgroup.procs"), pid);
            } catch {
                // The process ended meanwhile.
            }
        }
        fs.rmdirSync(dir);
    } catch {
        // Gone already, or a process could not be moved: the next run removes it as stale.
    }
}

function enableCpu(dir: string): void {
    const control = path.join(dir, "cgroup.subtree_control");
    if (!readOr(control, "").split(/\s+/).includes("cpu")) fs.writeFileSync(control, "+cpu");
}

function pidAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === "EPERM";
    }
}

function readOr(file: string, fallback: string): string {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        return fallback;
    }
}
