import * as assert from "node:assert/strict";
import { ManualClock, realClock } from "../../runtime/clock";
import { runBatch, type BatchRunnerOptions } from "../../runtime/event-sources/kinesis-batch-runner";
import { toBufferedRecord, type BufferedRecord } from "../../runtime/event-sources/kinesis-event";
import { KinesisMappingMetrics } from "../../runtime/event-sources/kinesis-mapping-metrics";
import type { DiscardCondition } from "../../runtime/event-sources/kinesis-on-failure-record";
import type { InvocationResult } from "../../runtime/lambda/function-pool";
import { MAPPING_DEFAULTS } from "../support/runtime-mapping";

const context = { shardId: "shardId-000000000000", streamArn: "arn:aws:kinesis:us-east-1:000000000000:stream/s", region: "us-east-1", invokeIdentityArn: "arn:aws:iam::000000000000:role/r" };

function records(count: number, arrivalMs: number): BufferedRecord[] {
    return Array.from({ length: count }, (_, index) =>
        toBufferedRecord({ SequenceNumber: String(100 + index), PartitionKey: "k", Data: Buffer.from(`line-${index}`) }, context, arrivalMs, realClock),
    );
}

/** Lets the runner's promises and the backoff library's zero-delay timers run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

/** The batch runner alone, on a clock the test moves, with a function that always fails. */
function failingRunner(clock: ManualClock, settings: Partial<BatchRunnerOptions["settings"]>) {
    const invokedAt: number[] = [];
    const discarded: Array<{ condition: DiscardCondition; records: number; at: number }> = [];
    const metrics = new KinesisMappingMetrics(clock);
    const runner: BatchRunnerOptions = {
        settings: { ...MAPPING_DEFAULTS, ...settings } as BatchRunnerOptions["settings"],
        invoke: async (): Promise<InvocationResult> => {
            invokedAt.push(clock.now());
            return { requestId: `r${invokedAt.length}`, ok: false, errorType: "Error", errorMessage: "boom", durationMs: 1, coldStart: false };
        },
        discard: async (batch, condition) => void discarded.push({ condition, records: batch.length, at: clock.now() }),
        isStopped: () => false,
        retryDelay: { startingDelayMs: 100, maxDelayMs: 150 },
        clock,
        observer: metrics,
    };
    return { runner, invokedAt, discarded, metrics };
}

describe("the batch runner on the mapping's clock", () => {
    it("waits its retry backoff on the clock, doubling up to the maximum, then discards the batch", async () => {
        const clock = new ManualClock(1_000_000);
        const { runner, invokedAt, discarded, metrics } = failingRunner(clock, { maximumRetryAttempts: 3 });
        const finished: BufferedRecord[] = [];

        const run = runBatch(runner, records(3, clock.now()), (done) => finished.push(...done));
        for (const step of [100, 150, 150]) {
            await settle();
            clock.advance(step);
        }
        assert.equal(await run, "completed");

        assert.deepEqual(invokedAt, [1_000_000, 1_000_100, 1_000_250, 1_000_400], "100 ms, then 200 ms capped at 150 ms, twice");
        assert.deepEqual(discarded, [{ condition: "RetryAttemptsExhausted", records: 3, at: 1_000_400 }]);
        assert.equal(finished.length, 3);
        const stats = metrics.snapshot({ shards: 1, recordsFinished: 3 });
        assert.equal(stats.retries, 3);
        assert.equal(stats.batchesInvoked, 4);
        assert.equal(stats.recordsInvoked, 12);
    });

    it("reads record age on the clock: records older than MaximumRecordAgeInSeconds are discarded before the next attempt", async () => {
        const clock = new ManualClock(5_000_000);
        const { runner, invokedAt, discarded } = failingRunner(clock, { maximumRetryAttempts: -1, maximumRecordAgeInSeconds: 60 });

        const run = runBatch(runner, records(2, clock.now() - 59_950), () => undefined);
        await settle();
        clock.advance(100);
        assert.equal(await run, "completed");

        assert.equal(invokedAt.length, 1, "invoked once while the records were 59.95 s old");
        assert.deepEqual(discarded, [{ condition: "RecordAgeExceeded", records: 2, at: 5_000_100 }]);
    });
});

describe("the mapping's metrics", () => {
    it("samples the iterator age at the clock's time, and keeps the largest", () => {
        const clock = new ManualClock(42);
        const metrics = new KinesisMappingMetrics(clock);

        metrics.batchFinished(300);
        clock.advance(1_000);
        metrics.batchFinished(120);

        const stats = metrics.snapshot({ shards: 2, recordsFinished: 0 });
        assert.deepEqual(stats.iteratorAge, [{ at: 42, ms: 300 }, { at: 1_042, ms: 120 }]);
        assert.equal(stats.maxIteratorAgeMs, 300);
        assert.equal(stats.shards, 2);
    });

    it("counts batches in flight from their start to their end", () => {
        const metrics = new KinesisMappingMetrics(new ManualClock());
        metrics.batchStarted();
        metrics.batchStarted();
        metrics.batchEnded();
        assert.equal(metrics.snapshot({ shards: 1, recordsFinished: 0 }).batchesInFlight, 1);
    });
});
