import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { S3Event } from "aws-lambda";
import { backOff } from "exponential-backoff";
import type { InvocationResult } from "../lambda/function-pool";
import { asyncOnFailureRecord } from "./async-on-failure-record";
import { objectCreatedEvent } from "./s3-event";

/**
 * A bucket notification for s3:ObjectCreated:* with a prefix and suffix filter, delivered the way
 * Lambda invokes asynchronously: S3 is polled (ListObjectsV2, every page) for new keys or new
 * ETags; each becomes an event on an internal queue; a failed invocation is retried after
 * `retryDelaysMs` (AWS: two retries, one minute then two minutes later), then its invocation
 * record goes to the on-failure destination. Objects already there at start() are not events,
 * as S3 only notifies about new objects, unless `includeExistingObjects` says otherwise.
 */
export interface S3ObjectCreatedSourceOptions {
    s3: S3Client;
    bucket: string;
    prefix: string;
    suffix: string;
    region: string;
    invoke: (event: S3Event) => Promise<InvocationResult>;
    onFailureQueueUrl?: string;
    sqs?: SQSClient;
    functionArn: string;
    /** ListObjectsV2 polling interval; default 250 ms. */
    pollIntervalMs?: number;
    /** Delays before each retry; default [60_000, 120_000] (AWS's two retries). */
    retryDelaysMs?: number[];
    /** Treat objects that exist at start() as new. Default false. */
    includeExistingObjects?: boolean;
    /** The notification's configurationId in events. */
    configurationId?: string;
}

export interface S3ObjectCreatedStats {
    objectsSeen: number;
    invocations: number;
    failures: number;
    retries: number;
    sentToOnFailure: number;
    /** Failed events that could not be delivered anywhere (no destination, or it kept failing). */
    dropped: number;
}

const AWS_ASYNC_RETRY_DELAYS_MS = [60_000, 120_000];

export class S3ObjectCreatedSource {
    private readonly etags = new Map<string, string>();
    private readonly retryTimers = new Set<NodeJS.Timeout>();
    private readonly running = new Set<Promise<void>>();
    private readonly counters = { objectsSeen: 0, invocations: 0, failures: 0, retries: 0, sentToOnFailure: 0, dropped: 0 };
    private startedAt = 0;
    private scanned = false;
    private stopped = false;
    /** Events detected and not yet finished with (queued, in flight or waiting for a retry). */
    private unfinished = 0;
    private loop: Promise<void> | undefined;
    private wake: (() => void) | undefined;
    lastError: Error | undefined;

    constructor(private readonly options: S3ObjectCreatedSourceOptions) {
        if (options.onFailureQueueUrl && !options.sqs) {
            throw new Error("S3ObjectCreatedSource: onFailureQueueUrl needs an sqs client to send invocation records with");
        }
        const delays = options.retryDelaysMs ?? AWS_ASYNC_RETRY_DELAYS_MS;
        if (delays.length > 2 || delays.some((delay) => !(delay >= 0))) {
            throw new Error(`retryDelaysMs must be 0 to 2 non-negative delays, as Lambda retries at most twice (got ${JSON.stringify(delays)})`);
        }
    }

    start(): void {
        if (this.loop) return;
        this.startedAt = Date.now();
        this.loop = this.pollLoop();
    }

    /** Stops polling, cancels pending retries and waits for invocations in flight. */
    async stop(): Promise<void> {
        this.stopped = true;
        this.wake?.();
        for (const timer of this.retryTimers) clearTimeout(timer);
        this.unfinished -= this.retryTimers.size;
        this.retryTimers.clear();
        await this.loop;
        await Promise.all([...this.running]);
    }

    /** Nothing queued, nothing in flight, no retry pending, and the bucket has been listed at least once. */
    idle(): boolean {
        return this.scanned && this.unfinished === 0;
    }

    stats(): S3ObjectCreatedStats {
        return { ...this.counters };
    }

    private async pollLoop(): Promise<void> {
        const interval = this.options.pollIntervalMs ?? 250;
        while (!this.stopped) {
            try {
                await this.scan();
                this.scanned = true;
                this.lastError = undefined;
            } catch (error) {
                this.lastError = error as Error;
            }
            if (this.stopped) break;
            await new Promise<void>((resolve) => {
                const timer = setTimeout(resolve, interval);
                this.wake = () => {
                    clearTimeout(timer);
                    resolve();
                };
            });
            this.wake = undefined;
        }
    }

    private async scan(): Promise<void> {
        const { s3, bucket, prefix, suffix } = this.options;
        // S3 keeps LastModified to the second: an object of start()'s second counts as new.
        const existingBefore = Math.floor(this.startedAt / 1000) * 1000;
        let token: string | undefined;
        do {
            const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, ContinuationToken: token }));
            for (const object of page.Contents ?? []) {
                const key = object.Key ?? "";
                const etag = object.ETag ?? "";
                if (!key.endsWith(suffix) || this.etags.get(key) === etag) continue;
                this.etags.set(key, etag);
                const lastModified = object.LastModified ?? new Date();
                const existing = !this.scanned && lastModified.getTime() < existingBefore;
                if (existing && !this.options.includeExistingObjects) continue;
                this.counters.objectsSeen++;
                const event = objectCreatedEvent(
                    { bucket, key, size: object.Size ?? 0, etag, lastModified },
                    this.options.region,
                    this.options.configurationId ?? "kinesis-fanout-input",
                );
                this.unfinished++;
                this.track(this.attempt(event, 1));
            }
            token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token && !this.stopped);
    }

    private track(work: Promise<void>): void {
        this.running.add(work);
        void work.finally(() => this.running.delete(work));
    }

    private async attempt(event: S3Event, invokeCount: number): Promise<void> {
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
        const delays = this.options.retryDelaysMs ?? AWS_ASYNC_RETRY_DELAYS_MS;
        if (invokeCount <= delays.length) {
            this.counters.retries++;
            const timer = setTimeout(() => {
                this.retryTimers.delete(timer);
                this.track(this.attempt(event, invokeCount + 1));
            }, delays[invokeCount - 1]);
            this.retryTimers.add(timer);
            return;
        }
        try {
            await this.sendToOnFailure(event, result, invokeCount);
        } finally {
            this.unfinished--;
        }
    }

    private async sendToOnFailure(event: S3Event, lastResult: InvocationResult, invokeCount: number): Promise<void> {
        const { onFailureQueueUrl: queueUrl, sqs, functionArn } = this.options;
        if (!queueUrl || !sqs) {
            this.counters.dropped++;
            return;
        }
        const record = asyncOnFailureRecord({ functionArn, event, lastResult, invokeCount });
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
