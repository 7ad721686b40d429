import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { S3Event } from "aws-lambda";
import { realClock, wakeableSleep, type Clock } from "../clock";
import { AsyncInvocationQueue } from "../lambda/async-invocation-queue";
import type { InvocationMeta, InvocationResult } from "../lambda/function-pool";
import { matchesNotificationFilter } from "../../handlers/shared/s3-key-encoding";
import { objectCreatedEvent } from "./s3-event";

/**
 * A bucket notification for s3:ObjectCreated:* with a prefix and suffix filter, delivered the way
 * Lambda invokes asynchronously: S3 is polled (ListObjectsV2, every page) for writes (a key with a
 * new ETag or a new LastModified, so re-uploading identical bytes is an event too); each becomes an
 * event on an internal queue; a failed invocation is retried after
 * `retryDelaysMs` (AWS: two retries, one minute then two minutes later), then its invocation
 * record goes to the on-failure destination. Objects already there at start() are not events,
 * as S3 only notifies about new objects, unless `includeExistingObjects` says otherwise.
 */
export interface S3ObjectCreatedSourceOptions {
    s3: S3Client;
    bucket: string;
    /**
     * The notification's filter values, written as S3 wants them (handlers/shared/s3-key-encoding.ts):
     * URL-encoded, `+` for a space. S3 matches them against the encoded key, so a raw `raw data/`
     * matches nothing, as on AWS.
     */
    prefix: string;
    suffix: string;
    region: string;
    /** Runs one attempt; `meta` carries the event's request id, the same for each of its retries. */
    invoke: (event: S3Event, meta: InvocationMeta) => Promise<InvocationResult>;
    /** Fault injection: true delivers an event a second time (runtime/faults/async-duplicate-plan.ts). */
    duplicates?: () => boolean;
    onFailureQueueUrl?: string;
    sqs?: SQSClient;
    functionArn: string;
    /** ListObjectsV2 polling interval; default 250 ms. */
    pollIntervalMs?: number;
    /** Delays before each retry; default [60_000, 120_000] (AWS's two retries). */
    retryDelaysMs?: number[];
    /** Treat objects that exist at start() as new. Default false. */
    includeExistingObjects?: boolean;
    /**
     * Keys whose event an earlier run had not finished with when it stopped: delivered again at
     * start() although they exist, as Lambda's durable async queue would.
     */
    redeliverKeys?: readonly string[];
    /** The notification's configurationId in events. */
    configurationId?: string;
    /** Times the polling and the retry delays; default real time. */
    clock?: Clock;
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

export class S3ObjectCreatedSource {
    private readonly etags = new Map<string, string>();
    /** The function's asynchronous invocation path: retries and the on-failure destination. */
    private readonly queue: AsyncInvocationQueue<S3Event>;
    private objectsSeen = 0;
    private startedAt = 0;
    private scanned = false;
    private stopped = false;
    private loop: Promise<void> | undefined;
    private wake: (() => void) | undefined;
    private scanError: Error | undefined;

    constructor(private readonly options: S3ObjectCreatedSourceOptions) {
        if (options.onFailureQueueUrl && !options.sqs) {
            throw new Error("S3ObjectCreatedSource: onFailureQueueUrl needs an sqs client to send invocation records with");
        }
        const { functionArn, invoke, retryDelaysMs, onFailureQueueUrl, sqs, clock, duplicates } = options;
        this.queue = new AsyncInvocationQueue<S3Event>({ functionArn, invoke, retryDelaysMs, onFailureQueueUrl, sqs, clock, duplicates });
    }

    /** The last error of a bucket listing or of sending to the on-failure destination. */
    get lastError(): Error | undefined {
        return this.scanError ?? this.queue.lastError;
    }

    start(): void {
        if (this.loop) return;
        this.startedAt = (this.options.clock ?? realClock).now();
        this.loop = this.pollLoop();
    }

    /** Stops polling, cancels pending retries and waits for invocations in flight. */
    async stop(): Promise<void> {
        this.stopped = true;
        this.wake?.();
        await this.loop;
        await this.queue.stop();
    }

    /** Nothing queued, nothing in flight, no retry pending, and the bucket has been listed at least once. */
    idle(): boolean {
        return this.scanned && this.queue.idle();
    }

    stats(): S3ObjectCreatedStats {
        const { invocations, failures, retries, sentToOnFailure, dropped } = this.queue.stats();
        return { objectsSeen: this.objectsSeen, invocations, failures, retries, sentToOnFailure, dropped };
    }

    private async pollLoop(): Promise<void> {
        const interval = this.options.pollIntervalMs ?? 250;
        while (!this.stopped) {
            try {
                await this.scan();
                this.scanned = true;
                this.scanError = undefined;
            } catch (error) {
                this.scanError = error as Error;
            }
            if (this.stopped) break;
            const sleep = wakeableSleep(this.options.clock ?? realClock, interval);
            this.wake = sleep.wake;
            await sleep.done;
            this.wake = undefined;
        }
    }

    private async scan(): Promise<void> {
        const { s3, bucket, prefix, suffix } = this.options;
        // S3 keeps LastModified to the second: an object of start()'s second counts as new.
        const existingBefore = Math.floor(this.startedAt / 1000) * 1000;
        let token: string | undefined;
        do {
            const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
            for (const object of page.Contents ?? []) {
                const key = object.Key ?? "";
                const etag = object.ETag ?? "";
                const lastModified = object.LastModified ?? new Date();
                // Each write is an event, identical bytes too (re-uploading is how a file is
                // reprocessed): a write is a new (ETag, LastModified), not a new ETag.
                const write = `${etag}@${lastModified.getTime()}`;
                if (!matchesNotificationFilter(key, { prefix, suffix }) || this.etags.get(key) === write) continue;
                this.etags.set(key, write);
                const existing = !this.scanned && lastModified.getTime() < existingBefore;
                if (existing && !this.options.includeExistingObjects && !this.options.redeliverKeys?.includes(key)) continue;
                this.objectsSeen++;
                const event = objectCreatedEvent(
                    { bucket, key, size: object.Size ?? 0, etag, lastModified },
                    this.options.region,
                    this.options.configurationId ?? "kinesis-fanout-input",
                );
                this.queue.enqueue(event);
            }
            token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token && !this.stopped);
    }
}
