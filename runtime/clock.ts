/**
 * The runtime's one source of modelled time. Everything that stands for a duration or a moment
 * on AWS (the mapping's GetRecords interval and batching window, function timeouts, retry
 * delays, S3 polling, the AWS profile's latencies and token buckets, record and iterator ages,
 * the run's timeline) asks a Clock instead of `Date.now` or `setTimeout`. The runtime uses
 * `realClock`, or a `ScaledClock` when it models AWS's speed (time dilation); a test can pass a
 * `ManualClock` and move time by hand.
 */
export interface Clock {
    /**
     * Wall-clock milliseconds per modelled millisecond (K of time dilation): 1 for real time. A
     * modelled sleep of `ms` takes `ms × scale` of wall time.
     */
    readonly scale: number;
    /** The wall-clock moment (epoch ms, as `Date.now` tells it) of a modelled moment. */
    toWall(modelledMs: number): number;
    /** The modelled moment of a wall-clock one, such as a timestamp a stand-in wrote. */
    fromWall(wallMs: number): number;
    /** Milliseconds since the epoch, as the modelled world sees them. */
    now(): number;
    /** Resolves after `ms` milliseconds of modelled time. */
    sleep(ms: number): Promise<void>;
    /** Calls `callback` once after `ms`; `cancel()` stops it if it has not run yet. */
    setTimeout(callback: () => void, ms: number): Timer;
    /** Calls `callback` every `ms` until cancelled. */
    setInterval(callback: () => void, ms: number): Timer;
    /** A clock whose K can change (ScaledClock.rescale) calls `listener` with each new K; the returned function stops that. */
    onRescale?(listener: (scale: number) => void): () => void;
}

export interface Timer {
    cancel(): void;
}

/** Wall-clock time: `Date.now`, Node's timers. */
export const realClock: Clock = Object.freeze({
    scale: 1,
    toWall: (modelledMs: number) => modelledMs,
    fromWall: (wallMs: number) => wallMs,
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

/**
 * Time dilation (Gupta et al., "To Infinity and Beyond: Time-Warped Network Emulation", NSDI
 * 2006): a clock on which every modelled duration takes `scale` (K) times as long in wall time,
 * so that the machine looks K times faster to the system it emulates. Sleeps and timers wait
 * `ms × K` of the base clock; `now()` runs K times slower than the base clock from the moment
 * the ScaledClock was made, so an elapsed modelled time is the elapsed wall time ÷ K. Rates
 * measured on it (token buckets, records/s) are per modelled second, so each is K times lower
 * in wall time.
 *
 * K may change during a run (`rescale`): modelled time goes on from where it is, at the new rate;
 * every timer still waiting falls due at the same modelled moment, now at the new rate; moments
 * before the change keep their wall time (toWall and fromWall go through each stretch of K in
 * turn); and whatever holds a K of its own (a sandbox's CPU share, its timers and deadline) hears
 * of it through `onRescale`.
 */
export class ScaledClock implements Clock {
    /** Each stretch of one K, in order: where it began, in wall and in modelled time. */
    private readonly stretches: Array<{ wall: number; modelled: number; scale: number }>;
    private readonly waiting = new Set<ScaledTimer>();
    private readonly listeners = new Set<(scale: number) => void>();

    constructor(
        scale: number,
        private readonly base: Clock = realClock,
    ) {
        checkScale(scale);
        const origin = base.now();
        this.stretches = [{ wall: origin, modelled: origin, scale }];
    }

    get scale(): number {
        return this.stretches[this.stretches.length - 1].scale;
    }

    now(): number {
        return this.fromWall(this.base.now());
    }

    toWall(modelledMs: number): number {
        const stretch = this.stretchOf((each) => each.modelled <= modelledMs);
        return stretch.wall + (modelledMs - stretch.modelled) * stretch.scale;
    }

    fromWall(wallMs: number): number {
        const stretch = this.stretchOf((each) => each.wall <= wallMs);
        return stretch.modelled + (wallMs - stretch.wall) / stretch.scale;
    }

    sleep(ms: number): Promise<void> {
        return new Promise((resolve) => this.setTimeout(resolve, ms));
    }

    setTimeout(callback: () => void, ms: number): Timer {
        return this.arm({ dueMs: this.now() + Math.max(0, ms), callback });
    }

    setInterval(callback: () => void, ms: number): Timer {
        if (!(ms > 0)) throw new Error(`an interval must be more than 0 ms (got ${ms})`);
        return this.arm({ dueMs: this.now() + ms, every: ms, callback });
    }

    /**
     * From now on, every modelled millisecond takes `scale` wall milliseconds. Timers still waiting
     * keep their modelled due time; the listeners (onRescale) are told the new K.
     */
    rescale(scale: number): void {
        checkScale(scale);
        if (scale === this.scale) return;
        const wall = this.base.now();
        this.stretches.push({ wall, modelled: this.fromWall(wall), scale });
        for (const timer of this.waiting) {
            timer.handle?.cancel();
            this.schedule(timer);
        }
        for (const listener of this.listeners) listener(scale);
    }

    /** Calls `listener` with the new K after every rescale; the returned function stops that. */
    onRescale(listener: (scale: number) => void): () => void {
        this.listeners.add(listener);
        return () => void this.listeners.delete(listener);
    }

    /** The stretches of K so far: from which modelled moment each K held. */
    get scales(): Array<{ fromMs: number; scale: number }> {
        return this.stretches.map((stretch) => ({ fromMs: stretch.modelled, scale: stretch.scale }));
    }

    private stretchOf(began: (stretch: { wall: number; modelled: number }) => boolean) {
        for (let index = this.stretches.length - 1; index > 0; index--) if (began(this.stretches[index])) return this.stretches[index];
        return this.stretches[0];
    }

    private arm(timer: ScaledTimer): Timer {
        this.waiting.add(timer);
        this.schedule(timer);
        return {
            cancel: () => {
                timer.handle?.cancel();
                this.waiting.delete(timer);
            },
        };
    }

    private schedule(timer: ScaledTimer): void {
        timer.handle = this.base.setTimeout(() => {
            if (!this.waiting.has(timer)) return;
            if (timer.every === undefined) this.waiting.delete(timer);
            else {
                // Periods missed while the event loop was held up are skipped, as Node's setInterval skips them.
                timer.dueMs = Math.max(timer.dueMs + timer.every, this.now());
                this.schedule(timer);
            }
            timer.callback();
        }, Math.max(0, this.toWall(timer.dueMs) - this.base.now()));
    }
}

interface ScaledTimer {
    /** The modelled moment it falls due. */
    dueMs: number;
    every?: number;
    callback: () => void;
    handle?: Timer;
}

function checkScale(scale: number): void {
    if (!(Number.isFinite(scale) && scale > 0)) throw new Error(`a time scale must be a finite number more than 0 (got ${scale})`);
}

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
    readonly scale = 1;
    private time: number;
    private readonly timers = new Set<ManualTimer>();

    constructor(start = 0) {
        this.time = start;
    }

    now(): number {
        return this.time;
    }

    toWall(modelledMs: number): number {
        return modelledMs;
    }

    fromWall(wallMs: number): number {
        return wallMs;
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
