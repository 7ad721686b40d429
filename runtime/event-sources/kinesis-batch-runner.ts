import { backOff } from "exponential-backoff";
import type { KinesisStreamEvent } from "aws-lambda";
import type { Clock } from "../clock";
import { isThrottled } from "../lambda/concurrency-limit";
import type { InvocationResult } from "../lambda/function-pool";
import { readBatchItemFailures } from "./batch-item-failures";
import { kinesisEvent, type BufferedRecord } from "./kinesis-event";
import type { BatchObserver } from "./kinesis-mapping-metrics";
import type { KinesisMappingSettings } from "./kinesis-mapping-settings";
import type { DiscardCondition, LastInvocation } from "./kinesis-on-failure-record";

/**
 * Takes one batch of a shard through the function until every record is either processed or
 * discarded, with the event source mapping's error handling (kinesis-on-failure-destination,
 * services-kinesis-batchfailurereporting):
 * - a function error (threw, timed out, crashed) with BisectBatchOnFunctionError splits the batch in
 *   two and runs the halves in order; a split is not a retry;
 * - otherwise the batch is retried, with exponential backoff, until MaximumRetryAttempts (-1: no
 *   limit) is used up, then discarded with condition RetryAttemptsExhausted;
 * - before each invocation, records older than MaximumRecordAgeInSeconds (-1: no limit) are
 *   discarded with condition RecordAgeExceeded;
 * - with ReportBatchItemFailures, records before the lowest reported failure are done, and the
 *   rest is retried (a retry that counts);
 * - a throttled invocation (the function had no concurrency left) is not a function error: "If a
 *   Lambda event source mapping is unable to invoke the function due to throttling or other issues,
 *   it retries until the records expire or exceed the maximum age configured on the event source
 *   mapping" (kinesis-on-failure-destination, "Before invocation"). It is retried after the same
 *   backoff, uses no retry attempt and never bisects.
 */
export interface BatchRunnerOptions {
    settings: KinesisMappingSettings;
    invoke(event: KinesisStreamEvent): Promise<InvocationResult>;
    /** Sends the on-failure record (or drops the records when there is no destination). */
    discard(records: BufferedRecord[], condition: DiscardCondition, invokeCount: number, last: LastInvocation | undefined): Promise<void>;
    isStopped(): boolean;
    retryDelay: { startingDelayMs: number; maxDelayMs: number };
    clock: Clock;
    observer: BatchObserver;
}

/** Told of records as they are finished with, processed or discarded. */
export type RecordsFinished = (records: BufferedRecord[]) => void;

export type BatchRunOutcome = "completed" | "stopped";

class RetryableBatchFailure extends Error {
    constructor(reason: string) {
        super(reason);
        this.name = "RetryableBatchFailure";
    }
}

class MappingStopped extends Error {
    constructor() {
        super("the event source mapping was stopped");
        this.name = "MappingStopped";
    }
}

type AttemptsOutcome = { kind: "done" } | { kind: "bisect"; records: BufferedRecord[] } | { kind: "stopped" };

export async function runBatch(runner: BatchRunnerOptions, batch: BufferedRecord[], finished: RecordsFinished): Promise<BatchRunOutcome> {
    const pending: BufferedRecord[][] = [batch];
    while (pending.length > 0) {
        const outcome = await new BatchAttempts(runner, pending.shift() as BufferedRecord[], finished).run();
        if (outcome.kind === "stopped") return "stopped";
        if (outcome.kind === "bisect") {
            runner.observer.bisected();
            const middle = Math.ceil(outcome.records.length / 2);
            pending.unshift(outcome.records.slice(0, middle), outcome.records.slice(middle));
        }
    }
    return "completed";
}

/** The attempts at one batch (or one half of a bisected batch), with what is left of it between them. */
class BatchAttempts {
    private invokeCount = 0;
    private last: LastInvocation | undefined;
    private readonly attempts: number;

    constructor(
        private readonly runner: BatchRunnerOptions,
        private records: BufferedRecord[],
        private readonly finished: RecordsFinished,
    ) {
        const { maximumRetryAttempts } = runner.settings;
        this.attempts = maximumRetryAttempts === -1 ? Number.POSITIVE_INFINITY : maximumRetryAttempts + 1;
    }

    async run(): Promise<AttemptsOutcome> {
        const { runner } = this;
        try {
            return await backOff(() => this.attempt(), {
                numOfAttempts: this.attempts,
                // The wait between attempts is the clock's, in retry() below.
                startingDelay: 0,
                retry: (error: unknown, failedAttempt: number) => this.retry(error, failedAttempt),
            });
        } catch (error) {
            if (error instanceof MappingStopped || runner.isStopped()) return { kind: "stopped" };
            if (!(error instanceof RetryableBatchFailure)) throw error;
            await runner.discard(this.records, "RetryAttemptsExhausted", this.invokeCount, this.last);
            this.finished(this.records);
            return { kind: "done" };
        }
    }

    private async retry(error: unknown, failedAttempt: number): Promise<boolean> {
        if (!(error instanceof RetryableBatchFailure) || this.runner.isStopped()) return false;
        if (failedAttempt >= this.attempts) return true;
        this.runner.observer.retried();
        const { startingDelayMs, maxDelayMs } = this.runner.retryDelay;
        await this.runner.clock.sleep(Math.min(startingDelayMs * 2 ** (failedAttempt - 1), maxDelayMs));
        return true;
    }

    private async attempt(): Promise<AttemptsOutcome> {
        const { runner } = this;
        if (runner.isStopped()) throw new MappingStopped();
        const result = await this.invokeUnthrottled();
        if (!result) return { kind: "done" };
        this.invokeCount++;
        runner.observer.invoked(this.records.length);
        this.last = { requestId: result.requestId, functionError: !result.ok };
        if (!result.ok) {
            if (runner.settings.bisectBatchOnFunctionError && this.records.length > 1) return { kind: "bisect", records: this.records };
            throw new RetryableBatchFailure(`${result.errorType}: ${result.errorMessage}`);
        }
        return this.readResponse(result.payload);
    }

    /** Invokes the records not yet expired until an invocation is not throttled; undefined when every record expired meanwhile. */
    private async invokeUnthrottled(): Promise<InvocationResult | undefined> {
        const { runner } = this;
        for (let throttles = 0; ; throttles++) {
            this.records = await this.dropExpired();
            if (this.records.length === 0) return undefined;
            const result = await runner.invoke(kinesisEvent(this.records));
            if (!isThrottled(result)) return result;
            runner.observer.throttled();
            const { startingDelayMs, maxDelayMs } = runner.retryDelay;
            await runner.clock.sleep(Math.min(startingDelayMs * 2 ** throttles, maxDelayMs));
            if (runner.isStopped()) throw new MappingStopped();
        }
    }

    private readResponse(payload: unknown): AttemptsOutcome {
        const response = this.runner.settings.reportBatchItemFailures
            ? readBatchItemFailures(payload, this.records.map((record) => record.sequenceNumber))
            : ({ kind: "success" } as const);
        if (response.kind === "success") {
            this.finished(this.records);
            return { kind: "done" };
        }
        if (response.kind === "failure") throw new RetryableBatchFailure(response.reason);
        if (response.resumeIndex > 0) this.finished(this.records.slice(0, response.resumeIndex));
        this.records = this.records.slice(response.resumeIndex);
        throw new RetryableBatchFailure(`partial batch response: resume at ${this.records[0].sequenceNumber}`);
    }

    private async dropExpired(): Promise<BufferedRecord[]> {
        const { runner, records } = this;
        const maximumAge = runner.settings.maximumRecordAgeInSeconds;
        if (maximumAge === -1) return records;
        const oldestAllowed = runner.clock.now() - maximumAge * 1000;
        const expired = records.filter((record) => record.arrivalMs < oldestAllowed);
        if (expired.length === 0) return records;
        await runner.discard(expired, "RecordAgeExceeded", this.invokeCount, this.last);
        this.finished(expired);
        return records.filter((record) => record.arrivalMs >= oldestAllowed);
    }
}
