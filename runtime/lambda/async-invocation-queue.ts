import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { backOff } from "exponential-backoff";
import { asyncOnFailureRecord } from "../event-sources/async-on-failure-record";
import { realClock, type Clock, type Timer } from "../clock";
import type { InvocationResult } from "./function-pool";

/**
 * One function's asynchronous invocation path, as Lambda runs it: an accepted event is invoked;
 * a failed invocation is retried after `retryDelaysMs` (AWS: two retries, one minute then two
 * minutes later); when the retries are spent, the invocation record goes to the on-failure
 * destination (an SQS queue). Both the S3 trigger and the Invoke API's `Event` invocation type
 * feed events through one of these.
 */
export interface AsyncInvocationQueueOptions<E> {
    functionArn: string;
    invoke: (event: E) => Promise<InvocationResult>;
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
}

export const AWS_ASYNC_RETRY_DELAYS_MS = [60_000, 120_000];

export class AsyncInvocationQueue<E = unknown> {
    private readonly retryTimers = new Set<Timer>();
    private readonly running = new Set<Promise<void>>();
    private readonly counters: AsyncInvocationStats = { accepted: 0, invocations: 0, failures: 0, retries: 0, sentToOnFailure: 0, dropped: 0 };
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

    /** Accepts an event (Lambda's 202); it is counted as unfinished from this moment. */
    enqueue(event: E): void {
        if (this.stopped) throw new Error(`the asynchronous invocation queue of ${this.options.functionArn} is stopped`);
        this.counters.accepted++;
        this.unfinished++;
        this.track(this.attempt(event, 1));
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

    private async attempt(event: E, invokeCount: number): Promise<void> {
        const result = await this.options.invoke(event).catch(
            (error: Error): InvocationResult => ({
                requestId: "none",
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
                this.track(this.attempt(event, invokeCount + 1));
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
