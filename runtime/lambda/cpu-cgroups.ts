import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The kernel's CPU quota for sandboxes: one cgroup per sandbox, under one parent group per run
 * (`kinesis-fanout-<pid>`), so that runs never share groups.
 * - cgroup v1: /sys/fs/cgroup/cpu/<parent>/<sandbox>/cpu.cfs_quota_us over cpu.cfs_period_us.
 * - cgroup v2: /sys/fs/cgroup/<parent>/<sandbox>/cpu.max ("quota period"), with +cpu enabled in
 *   the subtree_control of the root and of the parent.
 * A group is removed (rmdir) when its sandbox is gone, and every group at the process's exit; a
 * parent left by a killed run (its pid no longer alive) is removed the next time groups are made.
 */

export const CGROUP_ROOT = "/sys/fs/cgroup";
const PARENT_PREFIX = "kinesis-fanout-";
const DEFAULT_PERIOD_US = 100_000;
/** The kernel's bounds: the quota at least 1 ms, the period 1 ms to 1 s. */
const MIN_QUOTA_US = 1_000;
const MAX_PERIOD_US = 1_000_000;

export interface CpuGroup {
    readonly dir: string;
    /** Holds the group's processes to `cores` of a core (more than 1 allowed). */
    setCores(cores: number): void;
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
 * Period and quota for a share of `cores`: the default 100 ms period, times the time scale K (at
 * most the kernel's 1 s), and longer where 1 ms of quota would be too much.
 *
 * Why the period is dilated: a share of s cores runs in slices of s × period, each one resumed
 * with cold caches after the others ran, and each slice's restart costs CPU. With the share
 * divided by K and the period kept at 100 ms, a dilated sandbox ran in K times more, K times
 * shorter slices and paid for it: on the dev stack (256 MB writer, K = 3.5, cores kept awake), a
 * warm invocation took 180 ms of CPU against 130 ms planned from runs at K = 1. The kernel's 1 s
 * bound on the period brings that back past K = 10: one writer lane of pf10's shape (batches of
 * 100, 4 in flight, 512 MB), alone, used 0.82 and 0.85 times the calibrated CPU at K = 6 and 10
 * (slices of 29 ms), and 1.34 at K = 35.5 (slices of 8 ms; 1.37 again with V8's memory reducer
 * off, so not that), on 2026-12-02.
 */
export function quotaFor(cores: number, timeScale = 1): { periodUs: number; quotaUs: number } {
    if (!(cores > 0)) throw new Error(`a CPU quota needs more than 0 cores (got ${cores})`);
    if (!(timeScale > 0)) throw new Error(`a CPU quota's time scale must be more than 0 (got ${timeScale})`);
    const periodUs = Math.min(MAX_PERIOD_US, Math.max(Math.round(DEFAULT_PERIOD_US * Math.max(1, timeScale)), Math.ceil(MIN_QUOTA_US / cores)));
    return { periodUs, quotaUs: Math.max(MIN_QUOTA_US, Math.round(cores * periodUs)) };
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
    private readonly live = new Set<string>();
    private next = 0;
    private exitHooked = false;

    constructor(readonly mode: CpuCgroups["mode"], private readonly hierarchy: string) {
        this.parentDir = path.join(hierarchy, `${PARENT_PREFIX}${process.pid}`);
    }

    join(pid: number, cores: number, timeScale = 1): CpuGroup {
        this.ensureParent();
        const dir = path.join(this.parentDir, `sandbox-${++this.next}`);
        fs.mkdirSync(dir);
        this.live.add(dir);
        const group: CpuGroup = {
            dir,
            setCores: (share) => this.setCores(dir, share, timeScale),
            remove: () => {
                if (!this.live.delete(dir)) return;
                removeGroup(dir, this.hierarchy);
                this.releaseParentIfEmpty();
            },
        };
        try {
            this.setCores(dir, cores, timeScale);
            fs.writeFileSync(path.join(dir, "cgroup.procs"), String(pid));
        } catch (error) {
            group.remove();
            throw error;
        }
        return group;
    }

    groupsLeft(): string[] {
        if (!fs.existsSync(this.parentDir)) return [];
        return fs.readdirSync(this.parentDir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => path.join(this.parentDir, entry.name));
    }

    ensureParent(): void {
        if (fs.existsSync(this.parentDir)) return;
        removeStaleParents(this.hierarchy);
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
        try {
            fs.rmdirSync(this.parentDir);
        } catch {
            // Still in use by a group not yet gone, or already removed.
        }
    }

    private removeAll(): void {
        for (const dir of this.live) removeGroup(dir, this.hierarchy);
        this.live.clear();
        this.releaseParentIfEmpty();
    }

    private setCores(dir: string, cores: number, timeScale: number): void {
        const { periodUs, quotaUs } = quotaFor(cores, timeScale);
        if (this.mode === "cgroup-v2") {
            fs.writeFileSync(path.join(dir, "cpu.max"), `${quotaUs} ${periodUs}`);
        } else {
            // Lift the quota first, so the new period never meets an old quota it can't hold.
            fs.writeFileSync(path.join(dir, "cpu.cfs_quota_us"), "-1");
            fs.writeFileSync(path.join(dir, "cpu.cfs_period_us"), String(periodUs));
            fs.writeFileSync(path.join(dir, "cpu.cfs_quota_us"), String(quotaUs));
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
