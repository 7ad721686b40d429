import { availableCores, readCpuTimes, type CpuTimes } from "./machine-cpu";

/**
 * How much of the machine a run left free: the machine's busy core-seconds ÷ the core-seconds
 * available, measured over the run (whole machine, so other load counts).
 */
export interface Headroom {
    /** Wall seconds measured. */
    wallSeconds: number;
    /** Cores the run could use (availableCores()). */
    availableCores: number;
    /** Mean cores busy over the run, everything on the machine counted. */
    busyCores: number;
    /** busyCores ÷ availableCores, at most 1. */
    busyFraction: number;
    /** busyFraction above CPU_BOUND_FRACTION: the run's timings say more about this machine than about the stack. */
    cpuBound: boolean;
    /**
     * The busy share of the cores in the run's busiest PEAK_WINDOW_SECONDS of wall time (same
     * counting as busyFraction): a burst such as many sandboxes' cold starts at once hides in the
     * mean over a whole run.
     */
    peakBusyFraction?: number;
    /** Whether idle-priority loops kept the cores awake (awake-cores.ts), and how; their CPU is not counted as busy. */
    coresKeptAwake?: "sched-idle" | "nice-19" | "off";
}

/**
 * Above this share of the cores busy, a run is flagged as CPU-bound. Why 85%: a runnable thread
 * waits for a core in proportion to ρ/(1−ρ) of the work ahead of it (an M/M/1 queue's mean wait),
 * which is 1.5 at the 60% the automatic time scale aims for and 5.7 at 85%; past that the
 * modelled latencies (tens of ms) are stretched by scheduling delays as large as themselves.
 * The band between 60% and 85% leaves room for other load before the figures stop meaning
 * anything.
 */
export const CPU_BOUND_FRACTION = 0.85;

/** `excludedSeconds`: CPU seconds in the interval that are not load, the awake-cores loops' (awake-cores.ts). */
export function headroomBetween(before: CpuTimes, after: CpuTimes, wallSeconds: number, cores: number, excludedSeconds = 0): Headroom {
    const total = after.totalSeconds - before.totalSeconds;
    const busy = Math.max(0, after.busySeconds - before.busySeconds - excludedSeconds);
    // The counters cover the host's cores; busy ÷ total is the host's busy share, times its cores is busy cores.
    const busyCores = total > 0 ? (busy / total) * after.cores : 0;
    const busyFraction = Math.min(1, busyCores / cores);
    return { wallSeconds, availableCores: cores, busyCores, busyFraction, cpuBound: busyFraction > CPU_BOUND_FRACTION };
}

/** The wall time of the windows whose busiest one is a run's peak: long enough for /proc/stat's 10 ms ticks to count a share to 1%, on 2 cores. */
export const PEAK_WINDOW_SECONDS = 1;
/** How often the meter reads the counters: windows of PEAK_WINDOW_SECONDS slide in these steps, so a burst is not cut in two by a window's edge. */
export const PEAK_STEP_SECONDS = 0.25;

/** A reading of the machine's counters, of the CPU not counted as load so far, and of the wall clock in seconds. */
export interface CpuReading {
    times: CpuTimes;
    excludedSeconds: number;
    wallSeconds: number;
}

/**
 * The busiest window of at least PEAK_WINDOW_SECONDS: for each reading, the busy share
 * (headroomBetween) since the latest earlier reading at least that long before it, the highest kept.
 * Until a reading that old exists, the window from the first reading counts once it spans half of
 * PEAK_WINDOW_SECONDS; shorter ones have too few ticks to count.
 */
export class BusiestWindow {
    private readonly readings: CpuReading[] = [];
    private peak = 0;

    constructor(private readonly cores: number) {}

    add(reading: CpuReading): void {
        this.readings.push(reading);
        // Keep, at the front, the latest reading a window ending here may start from.
        while (this.readings.length > 2 && this.readings[1].wallSeconds <= reading.wallSeconds - PEAK_WINDOW_SECONDS) this.readings.shift();
        const start = this.readings[0];
        const seconds = reading.wallSeconds - start.wallSeconds;
        if (seconds < PEAK_WINDOW_SECONDS / 2) return;
        const window = headroomBetween(start.times, reading.times, seconds, this.cores, reading.excludedSeconds - start.excludedSeconds);
        if (Number.isFinite(window.busyFraction)) this.peak = Math.max(this.peak, window.busyFraction);
    }

    get busiestFraction(): number {
        return this.peak;
    }
}

export interface HeadroomMeter extends Disposable {
    /** The headroom since the start; stops the readings. */
    stop(): Headroom;
}

/**
 * Starts measuring; `stop()` gives the headroom since the start, less the CPU `excludedCpuSeconds`
 * counts (a running total), with the busiest window of PEAK_WINDOW_SECONDS on the way. Disposing
 * of it (a run that failed) stops the readings too.
 */
export function startHeadroomMeter(excludedCpuSeconds: () => number = () => 0): HeadroomMeter {
    const cores = availableCores();
    let excludedSoFar = 0;
    // The total only grows: a loop that died reads 0 (awake-cores.ts) and must not look like load.
    const read = (): CpuReading => {
        excludedSoFar = Math.max(excludedSoFar, excludedCpuSeconds());
        return { times: readCpuTimes(), excludedSeconds: excludedSoFar, wallSeconds: performance.now() / 1000 };
    };
    const first = read();
    const windows = new BusiestWindow(cores);
    windows.add(first);
    const timer = setInterval(() => windows.add(read()), PEAK_STEP_SECONDS * 1000);
    timer.unref();
    return {
        stop: () => {
            clearInterval(timer);
            const last = read();
            windows.add(last);
            const headroom = headroomBetween(first.times, last.times, last.wallSeconds - first.wallSeconds, cores, last.excludedSeconds - first.excludedSeconds);
            return { ...headroom, peakBusyFraction: Math.max(windows.busiestFraction, headroom.busyFraction) };
        },
        [Symbol.dispose]: () => clearInterval(timer),
    };
}

/** "63% of 2 cores busy …", with the CPU-bound warning (and, unless `brief`, why it matters) when it applies. */
export function formatHeadroom(headroom: Headroom, brief = false): string {
    const awake = headroom.coresKeptAwake && headroom.coresKeptAwake !== "off" ? `; cores kept awake by ${headroom.coresKeptAwake === "sched-idle" ? "SCHED_IDLE" : "nice 19"} loops, not counted` : "";
    const peak = headroom.peakBusyFraction === undefined ? "" : `, ${Math.round(headroom.peakBusyFraction * 100)}% in the busiest second`;
    const text = `${Math.round(headroom.busyFraction * 100)}% of ${headroom.availableCores} cores busy over ${headroom.wallSeconds.toFixed(1)} s wall${peak}${brief ? "" : ` (whole machine${awake})`}`;
    if (!headroom.cpuBound) return text;
    return brief ? `${text} ⚠ CPU-bound` : `${text} ⚠ CPU-bound: above ${CPU_BOUND_FRACTION * 100}%, the timings measure this machine, not the stack`;
}
