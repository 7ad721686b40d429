/**
 * One lane of a Kinesis event source mapping in time: the records it gets from the splitter, the
 * reads that put them in its hands, and the batches it sends. AWS's rules (with-kinesis,
 * invocation-eventsourcemapping): a lane sends a batch when it is free and holds a full batch, or
 * holds records and its batching window has passed; "the next batching window begins as soon as the
 * previous function invocation completes". A lane that has not run has no window pending (the
 * mapping polled long before the file came).
 */
export interface LaneInput {
    /** The lane's records: the file's, spread evenly over the lanes. */
    perLane: number;
    /** Seconds when the splitter's first records reach the stream, and how long it takes to put them all. */
    start: number;
    splitSeconds: number;
    /** The lane's records in the stream `seconds` after `start`. */
    inStream(seconds: number): number;
    /** Seconds from `start` to the mapping's first read that finds them, then between reads, and each read's latency. */
    firstReadAfter: number;
    readEvery: number;
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
        timeline.lastWindowWait = reads.visible(t) >= perLane - EPSILON ? t - Math.max(free, reads.last) : 0;
        timeline.lastRun = input.batchSeconds(batch, consumed);
        timeline.finish = t + timeline.lastRun;
        timeline.batches++;
        consumed += batch;
        free = windowFrom = timeline.finish;
    }
    return timeline;
}

/** The reads of the lane's shard: when each one's records are in hand, and how many. */
function laneReads(input: LaneInput): { first: number; last: number; visible(t: number): number; nextAfter(t: number): number } {
    const { perLane, start, splitSeconds, readEvery, readLag } = input;
    const firstRead = start + input.firstReadAfter;
    // The k-th read's records are the lane's from `start` to the read, in hand readLag later.
    const done = (k: number) => firstRead + k * readEvery + readLag;
    const lastRead = Math.max(0, Math.ceil((start + splitSeconds - firstRead) / readEvery));
    // The last read done by t (-1 before the first), with a tolerance relative to t's size for rounding.
    const indexAt = (t: number) => {
        const x = (t - done(0)) / readEvery;
        return x < -EPSILON ? -1 : Math.floor(x + EPSILON * Math.max(1, Math.abs(x)));
    };
    return {
        first: done(0),
        last: done(lastRead),
        visible: (t) => (indexAt(t) < 0 ? 0 : Math.min(perLane, input.inStream(firstRead + Math.min(lastRead, indexAt(t)) * readEvery - start))),
        nextAfter: (t) => {
            let k = indexAt(t) + 1;
            while (done(k) <= t) k++;
            return done(k);
        },
    };
}
