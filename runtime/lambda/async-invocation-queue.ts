import { randomUUID } from "node:crypto";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { backOff } from "exponential-backoff";
import { asyncOnFailureRecord } from "../event-sources/async-on-failure-record";
import { realClock, type Clock, type Timer } from "../clock";
import type { InvocationMeta, InvocationResult } from "./function-pool";
import { RECURSION_DEPTH_LIMIT, stopsRecursion, type RecursiveLoop } from "./recursion-detection";

/**
 * One function's asynchronous invocation path, as Lambda runs it: an accepted event is invoked;
 * a failed invocation is retried after `retryDelaysMs` (AWS: two retries, one minute then two
 * minutes later); when the retries are spent, the invocation record goes to the on-failure
 * destination (an SQS queue). Both the S3 trigger and the Invoke API's `Event` invocation type
 * feed events through one of these.
 *
 * - An accepted event gets its request id once: every retry runs under it (the Knowledge Center's
 *   "How do I prevent duplicate Lambda function invocations?" tells retries from duplicates by it).
 * - Recursive loop detection (recursion-detection.ts): an event whose chain already invoked the
 *   function 16 times is not invoked under `Terminate` (Lambda's default); it goes straight to the
 *   on-failure destination.
 * - `duplicates`: fault injection of at-least-once delivery: the event is delivered a second time,
 *   as a separate event with its own request id.
 */
export interface AsyncInvocationQueueOptions<E> {
    functionArn: string;
    invoke: (event: E, meta: InvocationMeta) => Promise<InvocationResult>;
    /** The function's recursion config; default Terminate, as on AWS. */
    recursiveLoop?: RecursiveLoop;
    /** Fault injection: true delivers the event a second time (runtime/faults/async-duplicate-plan.ts). */
    duplicates?: () => boolean;
    /** Delays before each retry; default [60_000, 120_000] (AWS's two retries). */
    retryDelaysMs?: number[];
    onFailureQueueUrl?: string;
    sqs?: SQSClient;
    /** Times the retry delays; default real time. */
    clock?: Clock;
}

export interface AsyncInvocationStats {
    accepted: number;
    invocations: number;
    failures: number;
    retries: number;
    sentToOnFailure: number;
    /** Failed events that could not be delivered anywhere (no destination, or it kept failing). */
    dropped: number;
    /** Events not invoked because their chain had invoked the function RECURSION_DEPTH_LIMIT times. */
    recursionStopped: number;
    /** Events delivered a second time by the `duplicates` fault. */
    duplicated: number;
}

export const AWS_ASYNC_RETRY_DELAYS_MS = [60_000, 120_000];

export class AsyncInvocationQueue<E = unknown> {
    private readonly retryTimers = new Set<Timer>();
    private readonly running = new Set<Promise<void>>();
    private readonly counters: AsyncInvocationStats = { accepted: 0, invocations: 0, failures: 0, retries: 0, sentToOnFailure: 0, dropped: 0, recursionStopped: 0, duplicated: 0 };
    private readonly delays: number[];
    private readonly clock: Clock;
    private stopped = false;
    /** Events accepted and not yet finished with (in flight or waiting for a retry). */
    private unfinished = 0;
    lastError: Error | undefined;

    constructor(private readonly options: AsyncInvocationQueueOptions<E>) {
        if (options.onFailureQueueUrl && !options.sqs) {
            throw new Error("an asynchronous invocation queue with onFailureQueueUrl needs an sqs client to send invocation records with");
        }
        this.delays = options.retryDelaysMs ?? AWS_ASYNC_RETRY_DELAYS_MS;
        this.clock = options.clock ?? realClock;
        if (this.delays.length > 2 || this.delays.some((delay) => !(delay >= 0))) {
            throw new Error(`retryDelaysMs must be 0 to 2 non-negative delays, as Lambda retries at most twice (got ${JSON.stringify(this.delays)})`);
        }
    }

    /**
     * Accepts an event (Lambda's 202); it is counted as unfinished from this moment. Returns its
     * request id (`meta.requestId`, or a new one), which every retry keeps.
     */
    enqueue(event: E, meta: InvocationMeta = {}): string {
        if (this.stopped) throw new Error(`the asynchronous invocation queue of ${this.options.functionArn} is stopped`);
        const accepted: InvocationMeta = { ...meta, requestId: meta.requestId ?? randomUUID() };
        this.accept(event, accepted);
        if (this.options.duplicates?.()) {
            this.counters.duplicated++;
            this.accept(event, { ...meta, requestId: randomUUID() });
        }
        return accepted.requestId!;
    }

    private accept(event: E, meta: InvocationMeta): void {
        this.counters.accepted++;
        this.unfinished++;
        this.track(this.attempt(event, 1, meta));
    }

    /** Nothing in flight and no retry pending. */
    idle(): boolean {
        return this.unfinished === 0;
    }

    stats(): AsyncInvocationStats {
        return { ...this.counters };
    }

    /** Cancels pending retries and waits for invocations in flight. */
    async stop(): Promise<void> {
        this.stopped = true;
        for (const timer of this.retryTimers) timer.cancel();
        this.unfinished -= this.retryTimers.size;
        this.retryTimers.clear();
        await Promise.all([...this.running]);
    }

    private track(work: Promise<void>): void {
        this.running.add(work);
        void work.finally(() => this.running.delete(work));
    }

    private async attempt(event: E, invokeCount: number, meta: InvocationMeta): Promise<void> {
        if (stopsRecursion(meta.traceHeader, this.options.functionArn, this.options.recursiveLoop ?? "Terminate")) {
            // "Lambda automatically stops the next function invocation in that request chain" and
            // "sends the event from the stopped invocation to your destination": no retries.
            this.counters.recursionStopped++;
            const stopped: InvocationResult = {
                requestId: meta.requestId!,
                ok: false,
                errorType: "RecursiveInvocationException",
                errorMessage: `Lambda stopped this invocation: its request chain had already invoked ${this.options.functionArn} ${RECURSION_DEPTH_LIMIT} times (recursive loop detection; the function's recursion config is Terminate)`,
                durationMs: 0,
                coldStart: false,
            };
            try {
                await this.sendToOnFailure(event, stopped, 0);
            } finally {
                this.unfinished--;
            }
            return;
        }
        const result = await this.options.invoke(event, meta).catch(
            (error: Error): InvocationResult => ({
                requestId: meta.requestId!,
                ok: false,
                errorType: error.name,
                errorMessage: error.message,
                durationMs: 0,
                coldStart: false,
            }),
        );
        this.counters.invocations++;
        if (result.ok) {
            this.unfinished--;
            return;
        }
        this.counters.failures++;
        if (this.stopped) {
            this.unfinished--;
            return;
        }
        if (invokeCount <= this.delays.length) {
            this.counters.retries++;
            const timer = this.clock.setTimeout(() => {
                this.retryTimers.delete(timer);
                this.track(this.attempt(event, invokeCount + 1, meta));
            }, this.delays[invokeCount - 1]);
            this.retryTimers.add(timer);
            return;
        }
        try {
            await this.sendToOnFailure(event, result, invokeCount);
        } finally {
            this.unfinished--;
        }
    }

    private async sendToOnFailure(event: E, lastResult: InvocationResult, invokeCount: number): Promise<void> {
        const { onFailureQueueUrl: queueUrl, sqs, functionArn } = this.options;
        if (!queueUrl || !sqs) {
            this.counters.dropped++;
            return;
        }
        const record = asyncOnFailureRecord({ functionArn, event, lastResult, invokeCount, nowMs: this.clock.now() });
        try {
            await backOff(() => sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(record) })), {
                numOfAttempts: 5,
                startingDelay: 100,
                retry: () => !this.stopped,
            });
            this.counters.sentToOnFailure++;
        } catch (error) {
            this.lastError = error as Error;
            this.counters.dropped++;
        }
    }
}
