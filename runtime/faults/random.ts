/**
 * Seeded randomness for fault injection, so that a run with the same seed makes the same choices
 * in the same order (the interleaving of concurrent calls can still vary between runs).
 */

/** mulberry32: a small, well-known 32-bit generator; uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** Decides, one draw per call, whether a fault of probability `rate` happens. */
export class FaultDice {
    private readonly random: () => number;

    /** `stream` separates the fault kinds, so adding one kind's draws doesn't shift another's. */
    constructor(readonly rate: number, seed: number, stream: number) {
        this.random = seededRandom(Math.imul(seed, 0x9e3779b1) ^ stream);
    }

    /** True with probability `rate`. A rate of 0 never draws. */
    roll(): boolean {
        return this.rate > 0 && this.random() < this.rate;
    }

    /** A uniform draw in [0, 1), for picking among outcomes once a fault happens. */
    next(): number {
        return this.random();
    }
}
