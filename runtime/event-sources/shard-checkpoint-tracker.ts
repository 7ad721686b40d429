/**
 * A shard's checkpoint: the last sequence number before which every record read from the shard is
 * finished with (processed or discarded). With several batches in flight (ParallelizationFactor),
 * a later batch can finish first; the checkpoint only moves once every earlier record is done, so
 * a restart never skips a record (it may process some twice, which AWS allows too).
 */
interface Entry {
    sequenceNumber: string;
    done: boolean;
}

export class ShardCheckpointTracker {
    private entries: Entry[] = [];
    private head = 0;
    private readonly bySequenceNumber = new Map<string, Entry>();

    /** Records in the order they were read from the shard. */
    add(sequenceNumbers: readonly string[]): void {
        for (const sequenceNumber of sequenceNumbers) {
            const entry = { sequenceNumber, done: false };
            this.entries.push(entry);
            this.bySequenceNumber.set(sequenceNumber, entry);
        }
    }

    /** Records marked done so far, each counted once (a batch delivered again adds nothing). */
    finished = 0;

    /**
     * Marks records done; returns the new checkpoint and how many records it moved past, or
     * undefined when it didn't move.
     */
    markDone(sequenceNumbers: readonly string[]): { checkpoint: string; advancedBy: number } | undefined {
        for (const sequenceNumber of sequenceNumbers) {
            const entry = this.bySequenceNumber.get(sequenceNumber);
            if (entry && !entry.done) {
                entry.done = true;
                this.finished++;
            }
        }
        const start = this.head;
        while (this.head < this.entries.length && this.entries[this.head].done) {
            this.bySequenceNumber.delete(this.entries[this.head].sequenceNumber);
            this.head++;
        }
        if (this.head === start) return undefined;
        const checkpoint = this.entries[this.head - 1].sequenceNumber;
        const advancedBy = this.head - start;
        if (this.head > 1024 && this.head * 2 > this.entries.length) {
            this.entries = this.entries.slice(this.head);
            this.head = 0;
        }
        return { checkpoint, advancedBy };
    }

    /** Whether a record read from the shard is done (a record the checkpoint has passed is). */
    isDone(sequenceNumber: string): boolean {
        return this.bySequenceNumber.get(sequenceNumber)?.done ?? true;
    }

    /** Records read but not yet done. */
    get outstanding(): number {
        return this.entries.length - this.head;
    }
}
