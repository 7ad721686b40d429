/**
 * The runtime's one source of modelled time. Everything that stands for a duration or a moment
 * on AWS (the mapping's GetRecords interval and batching window, function timeouts, retry
 * delays, S3 polling, the AWS profile's latencies and token buckets, record and iterator ages,
 * the run's timeline) asks a Clock instead of `Date.now` or `setTimeout`. The runtime uses
 * `realClock`; a test can pass a `ManualClock` and move time by hand.
 */
export interface Clock {
    /** Milliseconds since the epoch, as the modelled world sees them. */
    now(): number;
    /** Resolves after `ms` milliseconds of modelled time. */
    sleep(ms: number): Promise<void>;
    /** Calls `callback` once after `ms`; `cancel()` stops it if it has not run yet. */
    setTimeout(callback: () => void, ms: number): Timer;
    /** Calls `callback` every `ms` until cancelled. */
    setInterval(callback: () => void, ms: number): Timer;
}

export interface Timer {
    cancel(): void;
}

/** Wall-clock time: `Date.now`, Node's timers. */
export const realClock: Clock = Object.freeze({
    now: () => Date.now(),
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms))),
    setTimeout: (callback: () => void, ms: number): Timer => {
        const handle = setTimeout(callback, Math.max(0, ms));
        return { cancel: () => clearTimeout(handle) };
    },
    setInterval: (callback: () => void, ms: number): Timer => {
        const handle = setInterval(callback, ms);
        return { cancel: () => clearInterval(handle) };
    },
});

/** A sleep that `wake()` ends early: a poll loop's wait, cut short when the loop is stopped. */
export interface WakeableSleep {
    done: Promise<void>;
    wake(): void;
}

export function wakeableSleep(clock: Clock, ms: number): WakeableSleep {
    let wake = () => {};
    const done = new Promise<void>((resolve) => {
        const timer = clock.setTimeout(resolve, ms);
        wake = () => {
            timer.cancel();
            resolve();
        };
    });
    return { done, wake };
}

interface ManualTimer {
    at: number;
    every?: number;
    callback: () => void;
}

/**
 * A clock that stands still until `advance(ms)` moves it; timers that fall due run in order of
 * their due time, each at its own moment.
 */
export class ManualClock implements Clock {
    private time: number;
    private readonly timers = new Set<ManualTimer>();

    constructor(start = 0) {
        this.time = start;
    }

    now(): number {
        return this.time;
    }

    sleep(ms: number): Promise<void> {
        return new Promise((resolve) => this.setTimeout(resolve, ms));
    }

    setTimeout(callback: () => void, ms: number): Timer {
        return this.add({ at: this.time + Math.max(0, ms), callback });
    }

    setInterval(callback: () => void, ms: number): Timer {
        if (!(ms > 0)) throw new Error(`a ManualClock interval must be more than 0 ms (got ${ms})`);
        return this.add({ at: this.time + ms, every: ms, callback });
    }

    /** Moves time forward by `ms`, running every timer that falls due on the way. */
    advance(ms: number): void {
        const until = this.time + ms;
        for (let next = this.nextDue(until); next; next = this.nextDue(until)) {
            this.time = next.at;
            if (next.every === undefined) this.timers.delete(next);
            else next.at += next.every;
            next.callback();
        }
        this.time = until;
    }

    /** Timers waiting to run. */
    get pending(): number {
        return this.timers.size;
    }

    private add(timer: ManualTimer): Timer {
        this.timers.add(timer);
        return { cancel: () => void this.timers.delete(timer) };
    }

    private nextDue(until: number): ManualTimer | undefined {
        let first: ManualTimer | undefined;
        for (const timer of this.timers) if (timer.at <= until && (!first || timer.at < first.at)) first = timer;
        return first;
    }
}
