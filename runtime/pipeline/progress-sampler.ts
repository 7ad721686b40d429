import type { Clock, Timer } from "../clock";
import { approximateMessages } from "./dead-letter-queue";
import type { ProgressSnapshot, TimelinePoint } from "./run-report";
import type { RunEnvironment } from "./run-environment";
import type { RunStack } from "./run-stack";
import type { RunTriggers } from "./run-triggers";

const SAMPLE_EVERY_MS = 1000;

/**
 * The run's timeline and progress line: samples the mapping about once a second from the moment
 * the triggers run, also while the oracle reads a large input, and passes each sample to
 * `onProgress`. Disposing it stops the sampling.
 */
export class ProgressSampler implements Disposable {
    readonly timeline: TimelinePoint[] = [];
    /** When the triggers started: the timeline's zero, and where the pipeline's time is counted from. */
    readonly startedAt: number;
    private lastSampleAt = Number.NEGATIVE_INFINITY;
    /** The dead-letter queue's approximate depth, read in the background (one read behind). */
    private deadLettered = 0;
    /** Known once the input has been read (the oracle runs after the upload). */
    private expectedRecords = 0;
    private readonly timer: Timer;

    constructor(
        private readonly clock: Clock,
        private readonly sources: { env: RunEnvironment; stack: RunStack; triggers: RunTriggers; onProgress?: (snapshot: ProgressSnapshot) => void },
    ) {
        this.startedAt = clock.now();
        this.timer = clock.setInterval(() => this.sample(), SAMPLE_EVERY_MS);
    }

    expect(records: number): void {
        this.expectedRecords = records;
    }

    /** Seconds since the triggers started. */
    elapsedSeconds(): number {
        return (this.clock.now() - this.startedAt) / 1000;
    }

    /** Takes a sample, unless one was taken less than a second ago. */
    sample(): void {
        const now = this.clock.now();
        if (now - this.lastSampleAt < SAMPLE_EVERY_MS) return;
        this.lastSampleAt = now;
        const { env, stack, triggers, onProgress } = this.sources;
        void approximateMessages(env.clients.sqs, stack.resources.deadLetterQueueUrl)
            .then((count) => (this.deadLettered = count))
            .catch(() => undefined);
        const stats = triggers.mapping.stats();
        const point: TimelinePoint = {
            seconds: (now - this.startedAt) / 1000,
            recordsInStream: stats.recordsReceived,
            recordsProcessed: stats.recordsFinished,
            recordsCheckpointed: stats.recordsCheckpointed,
            iteratorAgeMs: stats.iteratorAge.at(-1)?.ms ?? 0,
        };
        this.timeline.push(point);
        onProgress?.({
            ...point,
            records: this.expectedRecords,
            splitterDone: triggers.splitterIdle() && triggers.s3Source.stats().objectsSeen > 0,
            deadLettered: this.deadLettered,
            batchesInFlight: stats.batchesInFlight,
            maxIteratorAgeMs: stats.maxIteratorAgeMs,
        });
    }

    /** Stops the sampling with one last sample, taken now. */
    finish(): void {
        this.timer.cancel();
        this.lastSampleAt = Number.NEGATIVE_INFINITY;
        this.sample();
    }

    [Symbol.dispose](): void {
        this.timer.cancel();
    }
}
