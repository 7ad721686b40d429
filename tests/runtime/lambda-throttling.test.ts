import * as assert from "node:assert/strict";
import type { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { ManualClock, realClock } from "../../runtime/clock";
import type { AsyncOnFailureRecord } from "../../runtime/event-sources/async-on-failure-record";
import { runBatch, type BatchRunnerOptions } from "../../runtime/event-sources/kinesis-batch-runner";
import { toBufferedRecord, type BufferedRecord } from "../../runtime/event-sources/kinesis-event";
import { KinesisMappingMetrics } from "../../runtime/event-sources/kinesis-mapping-metrics";
import { AsyncInvocationQueue } from "../../runtime/lambda/async-invocation-queue";
import { AccountConcurrency, THROTTLED_ERROR_TYPE, throttledResult } from "../../runtime/lambda/concurrency-limit";
import { FunctionPool, type InvocationResult } from "../../runtime/lambda/function-pool";
import { MAPPING_DEFAULTS } from "../support/runtime-mapping";

/**
 * Lambda's concurrency limits and what a throttle leads to, in AWS's words:
 * - "Lambda quotas": 1,000 concurrent executions per account by default; reserved concurrency leaves
 *   at least 100 unreserved.
 * - kinesis-on-failure-destination, "Before invocation": "If a Lambda event source mapping is unable to
 *   invoke the function due to throttling or other issues, it retries until the records expire or
 *   exceed the maximum age configured on the event source mapping".
 * - invocation-async-error-handling: "For throttling errors (429) and system errors (500-series),
 *   Lambda returns the event to the queue and attempts to run the function again for up to 6 hours by
 *   default. The retry interval increases exponentially from 1 second after the first attempt to a
 *   maximum of 5 minutes."
 */
describe("Lambda concurrency limits and throttling", function () {
    this.timeout(30_000);

    /** Lets queued promises run between clock steps. */
    const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

    describe("the account's concurrency", () => {
        it("throttles a function at its reserved concurrency, and shares the rest between functions without one", () => {
            const account = new AccountConcurrency(110);
            const writer = account.register("writer", 5);
            const splitter = account.register("splitter");
            const other = account.register("other");

            const writers = Array.from({ length: 6 }, () => writer.tryAcquire());
            const shared = Array.from({ length: 106 }, (_, index) => (index % 2 === 0 ? splitter : other).tryAcquire());

            assert.equal(writers.filter(Boolean).length, 5, "the writer's reservation of 5");
            assert.equal(shared.filter(Boolean).length, 105, "110 less the 5 reserved, shared");
            assert.deepEqual(account.throttles(), { writer: 1, splitter: 0, other: 1 });
            writers[0]!();
            assert.ok(writer.tryAcquire(), "a released execution can be taken again");
        });

        it("refuses a reservation that leaves less than 100 unreserved, naming the most allowed", () => {
            const account = new AccountConcurrency(150);
            assert.throws(() => account.register("writer", 51), /reserved concurrency 51 is not allowed in an account of 150 .* at most 50 can be reserved/);
            assert.throws(() => new AccountConcurrency(0), /account concurrency must be a whole number of at least 1 \(got 0\)/);
        });

        it("throttles a sandboxed function's invocation beyond its reserved concurrency instead of queueing it", async () => {
            const account = new AccountConcurrency(1000);
            const fn = new FunctionPool(
                {
                    functionName: "throttled-fn",
                    handler: { text: `exports.handler = async () => { await new Promise((r) => setTimeout(r, 300)); return "ran"; };`, exportName: "handler" },
                    environment: {},
                    memoryMb: 256,
                    timeoutSeconds: 5,
                    region: "us-east-1",
                },
                { concurrency: account.register("throttled-fn", 1) },
            );
            try {
                const [first, second] = await Promise.all([fn.invoke({}), fn.invoke({})]);
                const third = await fn.invoke({});

                assert.equal(first.payload, "ran");
                assert.equal(second.ok, false);
                assert.equal(second.errorType, THROTTLED_ERROR_TYPE);
                assert.match(second.errorMessage!, /Rate Exceeded\. \(ReservedFunctionConcurrentInvocationLimitExceeded: throttled-fn\)/);
                assert.equal(third.payload, "ran", "the execution is free again once the first invocation ended");
                assert.equal(fn.stats().invocations, 2, "a throttled invocation never reached a sandbox");
            } finally {
                await fn.close();
            }
        });
    });

    describe("a throttled batch of the stream's event source mapping", () => {
        const context = { shardId: "shardId-000000000000", streamArn: "arn:aws:kinesis:us-east-1:000000000000:stream/s", region: "us-east-1", invokeIdentityArn: "arn:aws:iam::000000000000:role/r" };
        const records = (count: number, arrivalMs: number): BufferedRecord[] =>
            Array.from({ length: count }, (_, index) => toBufferedRecord({ SequenceNumber: String(100 + index), PartitionKey: "k", Data: Buffer.from(`line-${index}`) }, context, arrivalMs, realClock));

        function runner(clock: ManualClock, throttlesFirst: number, settings: Partial<BatchRunnerOptions["settings"]>) {
            const invokedAt: number[] = [];
            const discarded: string[] = [];
            const metrics = new KinesisMappingMetrics(clock);
            let calls = 0;
            const options: BatchRunnerOptions = {
                settings: { ...MAPPING_DEFAULTS, ...settings } as BatchRunnerOptions["settings"],
                invoke: async (): Promise<InvocationResult> => {
                    invokedAt.push(clock.now());
                    calls++;
                    if (calls <= throttlesFirst) return throttledResult(`r${calls}`, "writer", "ConcurrentInvocationLimitExceeded");
                    return { requestId: `r${calls}`, ok: true, payload: null, durationMs: 1, coldStart: false };
                },
                discard: async (batch, condition) => void discarded.push(`${condition}:${batch.length}`),
                isStopped: () => false,
                retryDelay: { startingDelayMs: 100, maxDelayMs: 400 },
                clock,
                observer: metrics,
            };
            return { options, invokedAt, discarded, metrics };
        }

        it("is retried with backoff without using a retry attempt or bisecting, until it runs", async () => {
            const clock = new ManualClock(1_000_000);
            const { options, invokedAt, discarded, metrics } = runner(clock, 3, { maximumRetryAttempts: 0, bisectBatchOnFunctionError: true });
            const finished: BufferedRecord[] = [];

            const run = runBatch(options, records(4, clock.now()), (done) => finished.push(...done));
            for (const step of [100, 200, 400]) {
                await settle();
                clock.advance(step);
            }
            assert.equal(await run, "completed");

            assert.deepEqual(invokedAt, [1_000_000, 1_000_100, 1_000_300, 1_000_700]);
            assert.deepEqual(discarded, [], "MaximumRetryAttempts 0 is not used up by throttles");
            assert.equal(finished.length, 4);
            const stats = metrics.snapshot({ shards: 1, recordsFinished: 4 });
            assert.deepEqual({ throttles: stats.throttles, retries: stats.retries, bisections: stats.bisections, batchesInvoked: stats.batchesInvoked }, { throttles: 3, retries: 0, bisections: 0, batchesInvoked: 1 });
        });

        it("is discarded when its records pass the maximum record age while throttled", async () => {
            const clock = new ManualClock(1_000_000);
            const { options, discarded } = runner(clock, Infinity, { maximumRecordAgeInSeconds: 60 });

            const run = runBatch(options, records(2, clock.now()), () => {});
            for (let step = 0; step < 200 && discarded.length === 0; step++) {
                await settle();
                clock.advance(400);
            }
            assert.equal(await run, "completed");
            assert.deepEqual(discarded, ["RecordAgeExceeded:2"]);
        });
    });

    describe("a throttled asynchronous event", () => {
        function queue(clock: ManualClock, throttlesFirst: number, maximumEventAgeMs?: number) {
            const invokedAt: number[] = [];
            const sent: AsyncOnFailureRecord[] = [];
            const sqs = { send: async (command: SendMessageCommand) => void sent.push(JSON.parse(command.input.MessageBody!) as AsyncOnFailureRecord) } as unknown as SQSClient;
            let calls = 0;
            const async = new AsyncInvocationQueue({
                functionArn: "arn:aws:lambda:us-east-1:000000000000:function:splitter",
                invoke: async (_event, meta): Promise<InvocationResult> => {
                    invokedAt.push(clock.now());
                    calls++;
                    if (calls <= throttlesFirst) return throttledResult(meta.requestId!, "splitter", "ConcurrentInvocationLimitExceeded");
                    return { requestId: meta.requestId!, ok: true, payload: null, durationMs: 1, coldStart: false };
                },
                onFailureQueueUrl: "http://queue",
                sqs,
                clock,
                maximumEventAgeMs,
            });
            return { async, invokedAt, sent };
        }

        it("goes back to the queue, retried after 1 s, 2 s, 4 s ... without using its two retries", async () => {
            const clock = new ManualClock(0);
            const { async, invokedAt, sent } = queue(clock, 4);

            async.enqueue({ key: "a" });
            for (let second = 0; second < 20; second++) {
                await settle();
                clock.advance(1000);
            }
            await settle();

            assert.deepEqual(invokedAt, [0, 1000, 3000, 7000, 15000]);
            assert.deepEqual(sent, []);
            assert.deepEqual({ throttles: async.stats().throttles, retries: async.stats().retries, invocations: async.stats().invocations }, { throttles: 4, retries: 0, invocations: 1 });
            assert.equal(async.idle(), true);
        });

        it("waits at most 5 minutes between attempts, and goes to the on-failure destination as EventAgeExceeded at its maximum age", async () => {
            const clock = new ManualClock(0);
            const { async, invokedAt, sent } = queue(clock, Infinity, 30 * 60 * 1000);

            async.enqueue({ key: "a" });
            for (let second = 0; second < 40 * 60 && async.stats().expired === 0; second++) {
                for (let flush = 0; flush < 3; flush++) await new Promise((resolve) => setImmediate(resolve));
                clock.advance(1000);
            }
            await settle();

            const gaps = invokedAt.slice(1).map((at, index) => at - invokedAt[index]);
            assert.equal(Math.max(...gaps), 300_000);
            assert.ok(invokedAt[invokedAt.length - 1] <= 30 * 60 * 1000);
            assert.equal(sent.length, 1);
            assert.equal(sent[0].requestContext.condition, "EventAgeExceeded");
            assert.equal(sent[0].responsePayload.errorType, THROTTLED_ERROR_TYPE);
            assert.equal(async.stats().expired, 1);
            assert.equal(async.idle(), true);
        });
    });
});
