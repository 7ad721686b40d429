/**
 * A token bucket that holds one second of its rate, like a Kinesis shard's limits: a full bucket
 * lets one second's worth through at once, and it refills continuously at `ratePerSecond`.
 * A rate of Infinity never limits.
 */
export class TokenBucket {
    private level: number;
    private updatedAt: number;

    constructor(
        private readonly ratePerSecond: number,
        private readonly clock: () => number,
    ) {
        this.level = ratePerSecond;
        this.updatedAt = clock();
    }

    get capacity(): number {
        return this.ratePerSecond;
    }

    /** The tokens available now (negative while a debt is being paid back). */
    available(): number {
        this.refill();
        return this.level;
    }

    /**
     * Whether `amount` could be taken now. An amount larger than the whole bucket (a single record
     * bigger than one second's bytes) needs a full bucket instead of more than it can ever hold.
     */
    canTake(amount: number): boolean {
        return this.available() >= Math.min(amount, this.ratePerSecond);
    }

    /** Takes `amount`, even into debt: used after canTake, or to charge for data already returned. */
    take(amount: number): void {
        if (this.ratePerSecond === Infinity) return;
        this.refill();
        this.level -= amount;
    }

    private refill(): void {
        if (this.ratePerSecond === Infinity) {
            this.level = Infinity;
            return;
        }
        const now = this.clock();
        const elapsedSeconds = Math.max(0, now - this.updatedAt) / 1000;
        this.updatedAt = now;
        this.level = Math.min(this.ratePerSecond, this.level + elapsedSeconds * this.ratePerSecond);
    }
}
