import { backOff } from "exponential-backoff";
import type { KinesisStreamEvent } from "aws-lambda";
import type { InvocationResult } from "../lambda/function-pool";
import { readBatchItemFailures } from "./batch-item-failures";
import { kinesisEvent, type BufferedRecord } from "./kinesis-event";
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
 *   rest is retried (a retry that counts).
 */

export interface BatchRunnerSettings {
    bisectBatchOnFunctionError: boolean;
    maximumRetryAttempts: number;
    maximumRecordAgeInSeconds: number;
    reportBatchItemFailures: boolean;
}

export interface BatchRunnerCounters {
    batchesInvoked: number;
    recordsInvoked: number;
    retries: number;
    bisections: number;
}

export interface BatchRunner {
    settings: BatchRunnerSettings;
    invoke(event: KinesisStreamEvent): Promise<InvocationResult>;
    /** Sends the on-failure record (or drops the records when there is no destination). */
    discard(records: BufferedRecord[], condition: DiscardCondition, invokeCount: number, last: LastInvocation | undefined): Promise<void>;
    /** Records that are finished with, processed or discarded. */
    onDone(records: BufferedRecord[]): void;
    isStopped(): boolean;
    retryDelay: { startingDelayMs: number; maxDelayMs: number };
    counters: BatchRunnerCounters;
}

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

export async function runBatch(runner: BatchRunner, batch: BufferedRecord[]): Promise<BatchRunOutcome> {
    const pending: BufferedRecord[][] = [batch];
    while (pending.length > 0) {
        const outcome = await runWithRetries(runner, pending.shift() as BufferedRecord[]);
        if (outcome.kind === "stopped") return "stopped";
        if (outcome.kind === "bisect") {
            runner.counters.bisections++;
            const middle = Math.ceil(outcome.records.length / 2);
            pending.unshift(outcome.records.slice(0, middle), outcome.records.slice(middle));
        }
    }
    return "completed";
}

async function runWithRetries(runner: BatchRunner, initial: BufferedRecord[]): Promise<AttemptsOutcome> {
    const { settings } = runner;
    const attempts = settings.maximumRetryAttempts === -1 ? Number.POSITIVE_INFINITY : settings.maximumRetryAttempts + 1;
    let records = initial;
    let invokeCount = 0;
    let last: LastInvocation | undefined;

    const attempt = async (): Promise<AttemptsOutcome> => {
        if (runner.isStopped()) throw new MappingStopped();
        records = await dropExpired(runner, records, invokeCount, last);
        if (records.length === 0) return { kind: "done" };
        const result = await runner.invoke(kinesisEvent(records));
        invokeCount++;
        runner.counters.batchesInvoked++;
        runner.counters.recordsInvoked += records.length;
        last = { requestId: result.requestId, functionError: !result.ok };
        if (!result.ok) {
            if (settings.bisectBatchOnFunctionError && records.length > 1) return { kind: "bisect", records };
            throw new RetryableBatchFailure(`${result.errorType}: ${result.errorMessage}`);
        }
        const response = settings.reportBatchItemFailures
            ? readBatchItemFailures(result.payload, records.map((record) => record.sequenceNumber))
            : ({ kind: "success" } as const);
        if (response.kind === "success") {
            runner.onDone(records);
            return { kind: "done" };
        }
        if (response.kind === "failure") throw new RetryableBatchFailure(response.reason);
        if (response.resumeIndex > 0) runner.onDone(records.slice(0, response.resumeIndex));
        records = records.slice(response.resumeIndex);
        throw new RetryableBatchFailure(`partial batch response: resume at ${records[0].sequenceNumber}`);
    };

    try {
        return await backOff(attempt, {
            numOfAttempts: attempts,
            startingDelay: runner.retryDelay.startingDelayMs,
            maxDelay: runner.retryDelay.maxDelayMs,
            timeMultiple: 2,
            jitter: "none",
            retry: (error: unknown, upcomingAttempt: number) => {
                if (!(error instanceof RetryableBatchFailure) || runner.isStopped()) return false;
                if (upcomingAttempt < attempts) runner.counters.retries++;
                return true;
            },
        });
    } catch (error) {
        if (error instanceof MappingStopped || runner.isStopped()) return { kind: "stopped" };
        if (!(error instanceof RetryableBatchFailure)) throw error;
        await runner.discard(records, "RetryAttemptsExhausted", invokeCount, last);
        runner.onDone(records);
        return { kind: "done" };
    }
}

async function dropExpired(
    runner: BatchRunner,
    records: BufferedRecord[],
    invokeCount: number,
    last: LastInvocation | undefined,
): Promise<BufferedRecord[]> {
    const maximumAge = runner.settings.maximumRecordAgeInSeconds;
    if (maximumAge === -1) return records;
    const oldestAllowed = Date.now() - maximumAge * 1000;
    const expired = records.filter((record) => record.arrivalMs < oldestAllowed);
    if (expired.length === 0) return records;
    await runner.discard(expired, "RecordAgeExceeded", invokeCount, last);
    runner.onDone(expired);
    return records.filter((record) => record.arrivalMs >= oldestAllowed);
}
