/**
 * One CPU slice per quota period, for periods longer than the kernel allows.
 *
 * Under time dilation a sandbox's quota period is 100 ms × K of wall time (cpu-cgroups.ts,
 * quotaFor), so that it runs in slices as long as on AWS: share × 100 ms. The kernel caps
 * `cfs_period_us` (and cpu.max's period) at 1 s, so past K = 10 it can only enforce the share in
 * shorter slices, and each slice resumes with cold caches: one writer lane of pf10's shape used
 * 1.34 times its calibrated CPU at K = 35.5 against 0.82 at K = 6 (2026-12-02).
 *
 * The way past the cap: the kernel's period is the window (100 ms × K) cut into n parts of at
 * most 1 s, each with the whole window's slice as its quota, and this budget stops the process
 * once it has used the window's slice, until the next window. So each window holds one slice,
 * as long as on AWS, and the share over a window is exact.
 *
 * The budget is the arithmetic; the group's driver (cpu-cgroups.ts) reads the group's CPU usage
 * every poll and stops (SIGSTOP) or resumes (SIGCONT) the process as it says. Use caught late
 * (the kernel refilled its part of the window before a poll saw the slice used up) is owed:
 * the next windows' slices are that much shorter, so the share over many windows stays exact.
 * Unused CPU is not saved up, as with the kernel's own quota (without cpu.cfs_burst_us).
 */
export class SliceBudget {
    private balanceUs: number;
    private lastUsageUs: number;

    /** `sliceUs`: CPU per window; `usageUs`: the group's CPU usage so far (any origin); `firstSliceUs`: the first window's, when it is longer or shorter than the rest. */
    constructor(
        readonly sliceUs: number,
        usageUs: number,
        firstSliceUs = sliceUs,
    ) {
        if (!(sliceUs > 0)) throw new Error(`a slice must be more than 0 µs (got ${sliceUs})`);
        this.balanceUs = firstSliceUs;
        this.lastUsageUs = usageUs;
    }

    /** CPU left in this window (negative: owed to the next ones). */
    get remainingUs(): number {
        return this.balanceUs;
    }

    /** A poll inside the window: whether the process may go on running. */
    poll(usageUs: number): boolean {
        this.balanceUs -= Math.max(0, usageUs - this.lastUsageUs);
        this.lastUsageUs = Math.max(this.lastUsageUs, usageUs);
        return this.balanceUs > 0;
    }

    /**
     * How long (wall ms) the driver may wait before its next poll: as long as the slice left would
     * last the process running on all `cores` at once, between `minMs` and `maxMs`. So a slice is
     * caught within a poll's lag of its end, not a whole poll interval later (a slice is at
     * least 14.5 ms; a late catch is owed by the next window, whose slice it cuts in two).
     */
    nextPollMs(cores: number, minMs: number, maxMs: number): number {
        const lastsMs = this.balanceUs / 1000 / Math.max(1, cores);
        return Math.min(maxMs, Math.max(minMs, lastsMs));
    }

    /** The next window begins: a fresh slice, less what was owed. Whether the process may run. */
    startWindow(usageUs: number): boolean {
        this.poll(usageUs);
        this.balanceUs = Math.min(0, this.balanceUs) + this.sliceUs;
        return this.balanceUs > 0;
    }
}
