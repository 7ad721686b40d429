import type { Clock } from "../clock";

/**
 * Which shard each shard iterator reads. A Kinesis iterator is opaque (kinesalite's is encrypted),
 * so the proxy remembers every iterator it hands out (GetShardIterator's ShardIterator and
 * GetRecords' NextShardIterator) with the shard it came from. Iterators expire after 5 minutes on
 * AWS, so entries older than that are dropped.
 */
export interface IteratorShard {
    streamName: string;
    shardId: string;
}

const ITERATOR_LIFETIME_MS = 5 * 60 * 1000;
const PRUNE_EVERY = 1000;

export class IteratorRegistry {
    private readonly entries = new Map<string, IteratorShard & { at: number }>();
    private sincePrune = 0;

    constructor(private readonly clock: Clock) {}

    remember(iterator: string | undefined | null, shard: IteratorShard): void {
        if (!iterator) return;
        this.entries.delete(iterator);
        this.entries.set(iterator, { ...shard, at: this.clock.now() });
        if (++this.sincePrune >= PRUNE_EVERY) this.prune();
    }

    shardOf(iterator: unknown): IteratorShard | undefined {
        return typeof iterator === "string" ? this.entries.get(iterator) : undefined;
    }

    get size(): number {
        return this.entries.size;
    }

    /** Map order is insertion order (remember re-inserts), so the oldest entries come first. */
    private prune(): void {
        this.sincePrune = 0;
        const oldest = this.clock.now() - ITERATOR_LIFETIME_MS;
        for (const [iterator, entry] of this.entries) {
            if (entry.at >= oldest) break;
            this.entries.delete(iterator);
        }
    }
}
