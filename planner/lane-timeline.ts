/**
 * One lane of a Kinesis event source mapping in time: the records it gets from the splitter, the
 * reads that put them in its hands, and the batches it sends. AWS's rules (with-kinesis,
 * invocation-eventsourcemapping): a lane sends a batch when it is free and holds a full batch, or
 * holds records and its batching window has passed; "the next batching window begins as soon as the
 * previous function invocation completes". A lane that has not run has no window pending (the
 * mapping polled long before the file came).
 */
export interface LaneInput {
    /** The lane's records (the planner's: the busiest lane's share of the file). */
    perLane: number;
    /** Seconds from which `inStream` and the reads count. */
    start: number;
    /** The lane's records in the stream `seconds` after `start`. */
    inStream(seconds: number): number;
    /** Seconds from `start` when the lane's records in the stream next grow after `seconds` (Infinity when they never do). */
    nextArrival(seconds: number): number;
    /**
     * Seconds from `start` to the mapping's first read that finds them; between reads while they find
     * records, and between reads of a caught-up shard (default `readEvery`); and each read's latency.
     */
    firstReadAfter: number;
    readEvery: number;
    caughtUpEvery?: number;
    readLag: number;
    /** MaximumBatchingWindowInSeconds, and the records of a full batch. */
    window: number;
    fullBatch: number;
    /** Seconds a batch of `batch` records takes after the lane's first `before` records. */
    batchSeconds(batch: number, before: number): number;
}

export interface LaneTimeline {
    /** When the lane's last batch completes, and how many batches it sent. */
    finish: number;
    batches: number;
    /** Seconds of the last batch, and how long it waited for its window after its records were all read. */
    lastRun: number;
    lastWindowWait: number;
}

const EPSILON = 1e-9;
/** Steps of the search for the next batch's start before the model gives up: far more than a month of reads. */
const MAX_STEPS = 50_000_000;

export function laneTimeline(input: LaneInput): LaneTimeline {
    const { perLane, window, fullBatch } = input;
    const reads = laneReads(input);
    let consumed = 0;
    let free = 0;
    let windowFrom = Number.NEGATIVE_INFINITY;
    const timeline: LaneTimeline = { finish: 0, batches: 0, lastRun: 0, lastWindowWait: 0 };
    let steps = 0;
    while (consumed < perLane - EPSILON) {
        let t = Math.max(free, reads.first);
        for (;;) {
            if (++steps > MAX_STEPS || !Number.isFinite(t)) throw new Error(`the drain model did not converge (at ${t} s, ${consumed} of ${perLane} records of a lane done); please report the settings`);
            const available = reads.visible(t) - consumed;
            const due = windowFrom + window;
            const allRead = reads.visible(t) >= perLane - EPSILON;
            // A lane's last batch is partial and waits out its window: the keys' hashes spread records
            // unevenly, so a lane's share is a whole number of batches only by chance.
            const full = available >= fullBatch - EPSILON && !(allRead && available <= fullBatch + EPSILON && window > 0);
            // A batch holds whole records: a lane with less than one (its share of a read) waits for the next read.
            const some = available >= Math.min(1, perLane - consumed) - EPSILON;
            if (full || (some && t >= due - EPSILON)) break;
            t = allRead ? due : some ? Math.min(reads.nextAfter(t), due) : reads.nextAfter(t);
        }
        const remaining = perLane - consumed;
        const inHand = reads.visible(t) - consumed;
        // Whole records, but for a lane's last fraction (the even spread gives a lane n / lanes of them).
        const batch = Math.min(fullBatch, inHand >= remaining - EPSILON ? remaining : Math.max(Math.min(1, remaining), Math.floor(inHand + EPSILON)));
        timeline.lastWindowWait = reads.visible(t) >= perLane - EPSILON ? t - Math.max(free, reads.last()) : 0;
        timeline.lastRun = input.batchSeconds(batch, consumed);
        timeline.finish = t + timeline.lastRun;
        timeline.batches++;
        consumed += batch;
        free = windowFrom = timeline.finish;
    }
    return timeline;
}

/**
 * The reads of the lane's shard that find new records: when each one's records are in hand, and the
 * lane's records then. A read that found records is followed by the next `readEvery` later; one that
 * finds none leaves the shard caught up, read again every `caughtUpEvery` until one finds the next
 * records ("Lambda polls each shard ... at a base rate of once per second. When more records are
 * available, Lambda keeps processing batches until the function catches up", with-kinesis). Reads
 * that find nothing change nothing for the lane, so only the next one that finds records is kept.
 * Made as the timeline asks for them, which it does in time order: a drain of months has millions.
 */
function laneReads(input: LaneInput): { first: number; last(): number; visible(t: number): number; nextAfter(t: number): number } {
    const { perLane, start, readEvery, readLag } = input;
    const caughtUpEvery = input.caughtUpEvery ?? readEvery;
    const inStream = (seconds: number) => Math.min(perLane, input.inStream(seconds));
    /** The first read at or after `from` (`from` itself, then the caught-up shard's polls) that finds more than `than` records. */
    const readFinding = (from: number, than: number): number => {
        let read = from;
        for (let polls = 0; inStream(read) <= than + EPSILON; polls++) {
            const arrival = input.nextArrival(read);
            if (!Number.isFinite(arrival) || polls > MAX_STEPS) throw new Error(`the drain model did not converge (no records after ${than} of ${perLane} at ${read} s); please report the settings`);
            read += Math.max(1, Math.ceil((arrival - read) / caughtUpEvery - EPSILON)) * caughtUpEvery;
        }
        return read;
    };
    // The last read asked about (seconds from `start`, and the lane's records then), and the one after it.
    const firstAt = readFinding(input.firstReadAfter, 0);
    const first = { at: firstAt, records: inStream(firstAt) };
    let current = first;
    let next: { at: number; records: number } | undefined;
    let reads = 1;
    const done = (read: { at: number }) => start + read.at + readLag;
    const following = () => {
        if (current.records >= perLane - EPSILON) return undefined;
        if (!next) {
            if (++reads > MAX_STEPS) throw new Error(`the drain model did not converge (${reads} reads by ${current.at} s); please report the settings`);
            const at = readFinding(current.at + readEvery, current.records);
            next = { at, records: inStream(at) };
        }
        return next;
    };
    // Within a rounding error relative to t's size.
    const doneBy = (read: { at: number }, t: number) => done(read) <= t + EPSILON * Math.max(1, Math.abs(t));
    /** Moves to the last read done by t. Reads are asked for in time order; an earlier t starts over from the first. */
    const seek = (t: number) => {
        if (!doneBy(current, t)) [current, next] = [first, undefined];
        for (let read = following(); read && doneBy(read, t); read = following()) [current, next] = [read, undefined];
    };
    return {
        first: done(first),
        last: () => {
            for (let read = following(); read; read = following()) [current, next] = [read, undefined];
            return done(current);
        },
        visible: (t) => {
            if (!doneBy(first, t)) return 0;
            seek(t);
            return current.records;
        },
        nextAfter: (t) => {
            if (!doneBy(first, t)) return done(first);
            seek(t);
            const read = following();
            return read ? done(read) : Number.POSITIVE_INFINITY;
        },
    };
}
