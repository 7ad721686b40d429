/**
 * Seeded randomness for fault injection, so that a run with the same seed makes the same choices
 * in the same order (the interleaving of concurrent calls can still vary between runs).
 */
import { seededRandom } from "../support/seeded-random";

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
