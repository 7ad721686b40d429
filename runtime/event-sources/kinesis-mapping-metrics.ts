import type { Clock } from "../clock";

/** What a Kinesis event source mapping has done so far (a snapshot; see KinesisMappingMetrics). */
export interface KinesisMappingStats {
    shards: number;
    batchesInvoked: number;
    /** Records in those invocations, retries included: recordsInvoked ÷ batchesInvoked is the mean batch. */
    recordsInvoked: number;
    batchesInFlight: number;
    recordsReceived: number;
    recordsCheckpointed: number;
    /**
     * Records whose batch is finished with (processed, or sent to the on-failure destination),
     * each once, as soon as its batch ends: ahead of the checkpoint when parallel batches finish
     * out of order.
     */
    recordsFinished: number;
    recordsSentToOnFailure: number;
    /** Records discarded with no on-failure destination configured. */
    recordsDropped: number;
    retries: number;
    /** Invocations throttled for want of concurrency, each retried without using a retry attempt. */
    throttles: number;
    bisections: number;
    /** Batches delivered a second time after they succeeded (fault injection). */
    redeliveries: number;
    /**
     * Lambda's IteratorAge: when a batch finishes, how long its last record has been in the stream.
     * It grows while the function falls behind. Sampled at each batch, for charts (thinned to at
     * most 2,000 samples).
     */
    maxIteratorAgeMs: number;
    iteratorAge: Array<{ at: number; ms: number }>;
    /** Kinesis's GetRecords.IteratorAgeMilliseconds: the newest record's age when it was read. */
    maxGetRecordsIteratorAgeMs: number;
    /** The last error a shard hit (GetRecords, invoke or checkpoint), if it hasn't recovered. */
    lastError?: string;
    /** Where the shards' caught-up polls fell, as a fraction of their interval (the phase drawn at start). */
    pollPhase: number;
}

/** What a batch runner tells about the invocations it makes. */
export interface BatchObserver {
    invoked(records: number): void;
    retried(): void;
    bisected(): void;
    /** An invocation was throttled (no concurrency left); it is retried without using a retry attempt. */
    throttled(): void;
}

const MAX_SAMPLES = 2000;

/**
 * The mapping's counters, in one place: the mapping owns this object, and its parts report to it
 * through these methods only.
 */
export class KinesisMappingMetrics implements BatchObserver {
    private readonly counters = {
        batchesInvoked: 0,
        recordsInvoked: 0,
        batchesInFlight: 0,
        recordsReceived: 0,
        recordsCheckpointed: 0,
        recordsSentToOnFailure: 0,
        recordsDropped: 0,
        retries: 0,
        throttles: 0,
        bisections: 0,
        redeliveries: 0,
        maxIteratorAgeMs: 0,
        maxGetRecordsIteratorAgeMs: 0,
    };
    private iteratorAge: Array<{ at: number; ms: number }> = [];

    constructor(private readonly clock: Clock) {}

    invoked(records: number): void {
        this.counters.batchesInvoked++;
        this.counters.recordsInvoked += records;
    }

    retried(): void {
        this.counters.retries++;
    }

    bisected(): void {
        this.counters.bisections++;
    }

    throttled(): void {
        this.counters.throttles++;
    }

    redelivered(): void {
        this.counters.redeliveries++;
    }

    /** `ageMs`: how long the newest of the records read had been in the stream. */
    received(records: number, ageMs: number): void {
        this.counters.recordsReceived += records;
        this.counters.maxGetRecordsIteratorAgeMs = Math.max(this.counters.maxGetRecordsIteratorAgeMs, ageMs);
    }

    checkpointed(records: number): void {
        this.counters.recordsCheckpointed += records;
    }

    batchStarted(): void {
        this.counters.batchesInFlight++;
    }

    batchEnded(): void {
        this.counters.batchesInFlight--;
    }

    sentToOnFailure(records: number): void {
        this.counters.recordsSentToOnFailure += records;
    }

    dropped(records: number): void {
        this.counters.recordsDropped += records;
    }

    /** A batch finished: `iteratorAgeMs` is how long its last record had been in the stream. */
    batchFinished(iteratorAgeMs: number): void {
        this.counters.maxIteratorAgeMs = Math.max(this.counters.maxIteratorAgeMs, iteratorAgeMs);
        this.iteratorAge.push({ at: this.clock.now(), ms: iteratorAgeMs });
        if (this.iteratorAge.length > MAX_SAMPLES) this.iteratorAge = this.iteratorAge.filter((_, index) => index % 2 === 0);
    }

    snapshot(shards: { shards: number; recordsFinished: number; lastError?: Error; pollPhase?: number }): KinesisMappingStats {
        const { lastError } = shards;
        return {
            shards: shards.shards,
            pollPhase: shards.pollPhase ?? 0,
            ...this.counters,
            recordsFinished: shards.recordsFinished,
            iteratorAge: [...this.iteratorAge],
            ...(lastError ? { lastError: `${lastError.name}: ${lastError.message}` } : {}),
        };
    }
}
