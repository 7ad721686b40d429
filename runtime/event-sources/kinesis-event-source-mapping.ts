import { randomUUID } from "node:crypto";
import { ListShardsCommand, type KinesisClient, type Shard } from "@aws-sdk/client-kinesis";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { KinesisStreamEvent } from "aws-lambda";
import { backOff } from "exponential-backoff";
import type { InvocationResult } from "../lambda/function-pool";
import { InMemoryCheckpointStore, type CheckpointStore } from "./checkpoint-store";
import type { BatchRunner } from "./kinesis-batch-runner";
import type { BufferedRecord } from "./kinesis-event";
import { kinesisOnFailureRecord, type DiscardCondition, type LastInvocation } from "./kinesis-on-failure-record";
import { KinesisShardReader } from "./kinesis-shard-reader";

/**
 * A Lambda event source mapping for a Kinesis stream (services-kinesis-parameters), run locally
 * against any endpoint that speaks the Kinesis API. One reader per shard (shards are listed once,
 * at start; resharding is not followed). Each record reaches the function at least once; a restart
 * with a persistent CheckpointStore continues after the last checkpoint.
 */

export interface KinesisMappingSettings {
    batchSize: number;
    maximumBatchingWindowInSeconds: number;
    parallelizationFactor: number;
    startingPosition: "TRIM_HORIZON" | "LATEST" | "AT_TIMESTAMP";
    startingPositionTimestamp?: Date;
    bisectBatchOnFunctionError: boolean;
    maximumRetryAttempts: number;
    /** -1 for no limit. AWS allows 60 to 604800; locally any value from 1 is accepted so tests stay short. */
    maximumRecordAgeInSeconds: number;
    reportBatchItemFailures: boolean;
}

export interface KinesisEventSourceMappingOptions {
    kinesis: KinesisClient;
    sqs: SQSClient;
    streamName: string;
    streamArn: string;
    functionArn: string;
    region: string;
    settings: KinesisMappingSettings;
    invoke: (event: KinesisStreamEvent) => Promise<InvocationResult>;
    onFailureQueueUrl?: string;
    /** Default 200 = AWS's 5 GetRecords calls per second per shard. */
    getRecordsIntervalMs?: number;
    /** Default in memory; JsonFileCheckpointStore for runs that continue after a restart. */
    checkpoints?: CheckpointStore;
    /** Backoff between retries of a failing batch; default 100 ms doubling up to 3 s. */
    retryDelay?: { startingDelayMs: number; maxDelayMs: number };
    /** The function's execution role, shown as invokeIdentityArn in each record. */
    invokeIdentityArn?: string;
    /** Fault injection (--duplicate-rate): asked after each successful batch whether to deliver it again. */
    redeliver?: () => boolean;
}

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
}

const MAX_SAMPLES = 2000;

export class KinesisEventSourceMapping {
    private readers: KinesisShardReader[] = [];
    private stopped = false;
    private readonly checkpoints: CheckpointStore;
    private readonly waiters: Array<{ since: number; resolve: () => void }> = [];
    private readonly counters = {
        batchesInvoked: 0,
        recordsInvoked: 0,
        batchesInFlight: 0,
        recordsReceived: 0,
        recordsCheckpointed: 0,
        recordsSentToOnFailure: 0,
        recordsDropped: 0,
        retries: 0,
        bisections: 0,
        redeliveries: 0,
        maxIteratorAgeMs: 0,
        maxGetRecordsIteratorAgeMs: 0,
    };
    private iteratorAge: Array<{ at: number; ms: number }> = [];

    constructor(private readonly options: KinesisEventSourceMappingOptions) {
        checkMappingSettings(options.settings);
        this.checkpoints = options.checkpoints ?? new InMemoryCheckpointStore();
    }

    /** Lists the shards and takes each one's first iterator; reading then goes on in the background. */
    async start(): Promise<void> {
        const shards = await this.listShards();
        const { settings } = this.options;
        this.readers = await Promise.all(
            shards.map(async (shard) => {
                const shardId = shard.ShardId as string;
                return new KinesisShardReader({
                    kinesis: this.options.kinesis,
                    streamName: this.options.streamName,
                    shardId,
                    settings,
                    eventContext: {
                        shardId,
                        streamArn: this.options.streamArn,
                        region: this.options.region,
                        invokeIdentityArn: this.options.invokeIdentityArn ?? defaultRoleArn(this.options.functionArn),
                    },
                    getRecordsIntervalMs: this.options.getRecordsIntervalMs ?? 200,
                    checkpoint: await this.checkpoints.get(shardId),
                    runner: this.runnerFor(shardId),
                    onRecordsReceived: (count, ageMs) => {
                        this.counters.recordsReceived += count;
                        this.counters.maxGetRecordsIteratorAgeMs = Math.max(this.counters.maxGetRecordsIteratorAgeMs, ageMs);
                    },
                    onBatchFinished: (ageMs) => this.sampleIteratorAge(ageMs),
                    onCheckpoint: async (sequenceNumber, advancedBy) => {
                        this.counters.recordsCheckpointed += advancedBy;
                        await this.checkpoints.set(shardId, sequenceNumber);
                    },
                    onBatchInFlight: (delta) => (this.counters.batchesInFlight += delta),
                    onProgress: () => this.checkDrained(),
                    redeliver: () => {
                        const again = this.options.redeliver?.() === true;
                        if (again) this.counters.redeliveries++;
                        return again;
                    },
                });
            }),
        );
        await Promise.all(this.readers.map((reader) => reader.start()));
    }

    /** Stops reading; waits for batches in flight (a failing batch stops at its next retry). */
    async stop(): Promise<void> {
        this.stopped = true;
        await Promise.all(this.readers.map((reader) => reader.stop()));
    }

    /**
     * Resolves once every shard is caught up: a GetRecords that started after this call returned no
     * records, and nothing is buffered, in flight or waiting for a retry. Never resolves after stop().
     */
    drained(): Promise<void> {
        return new Promise((resolve) => {
            this.waiters.push({ since: Date.now(), resolve });
            this.checkDrained();
        });
    }

    stats(): KinesisMappingStats {
        const lastError = this.readers.map((reader) => reader.lastError).find((error) => error !== undefined);
        return {
            shards: this.readers.length,
            ...this.counters,
            recordsFinished: this.readers.reduce((sum, reader) => sum + reader.recordsFinished, 0),
            iteratorAge: [...this.iteratorAge],
            ...(lastError ? { lastError: `${lastError.name}: ${lastError.message}` } : {}),
        };
    }

    private runnerFor(shardId: string): Omit<BatchRunner, "onDone"> {
        const { settings } = this.options;
        return {
            settings,
            invoke: this.options.invoke,
            discard: (records, condition, invokeCount, last) => this.discard(shardId, records, condition, invokeCount, last),
            isStopped: () => this.stopped,
            retryDelay: this.options.retryDelay ?? { startingDelayMs: 100, maxDelayMs: 3000 },
            counters: this.counters,
        };
    }

    private async discard(
        shardId: string,
        records: BufferedRecord[],
        condition: DiscardCondition,
        invokeCount: number,
        last: LastInvocation | undefined,
    ): Promise<void> {
        const queueUrl = this.options.onFailureQueueUrl;
        if (!queueUrl) {
            this.counters.recordsDropped += records.length;
            return;
        }
        const document = kinesisOnFailureRecord({
            records,
            condition,
            invokeCount,
            lastInvocation: last,
            shardId,
            streamArn: this.options.streamArn,
            functionArn: this.options.functionArn,
            requestIdIfNeverInvoked: randomUUID(),
        });
        // The shard waits until the destination has the record, as AWS's does.
        await backOff(() => this.options.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(document) })), {
            numOfAttempts: Number.POSITIVE_INFINITY,
            startingDelay: 100,
            maxDelay: 5000,
            retry: () => !this.stopped,
        });
        this.counters.recordsSentToOnFailure += records.length;
    }

    private sampleIteratorAge(iteratorAgeMs: number): void {
        this.counters.maxIteratorAgeMs = Math.max(this.counters.maxIteratorAgeMs, iteratorAgeMs);
        this.iteratorAge.push({ at: Date.now(), ms: iteratorAgeMs });
        if (this.iteratorAge.length > MAX_SAMPLES) this.iteratorAge = this.iteratorAge.filter((_, index) => index % 2 === 0);
    }

    private checkDrained(): void {
        if (this.stopped || this.waiters.length === 0) return;
        for (const waiter of [...this.waiters]) {
            if (this.readers.every((reader) => reader.caughtUpSince(waiter.since))) {
                this.waiters.splice(this.waiters.indexOf(waiter), 1);
                waiter.resolve();
            }
        }
    }

    private async listShards(): Promise<Shard[]> {
        const shards: Shard[] = [];
        let nextToken: string | undefined;
        do {
            const output = await this.options.kinesis.send(
                new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: this.options.streamName }),
            );
            shards.push(...(output.Shards ?? []));
            nextToken = output.NextToken;
        } while (nextToken);
        // A closed shard (resharding) still has records; an open one has no ending sequence number.
        return shards;
    }
}

function defaultRoleArn(functionArn: string): string {
    const [, , , , account, , name] = functionArn.split(":");
    return `arn:aws:iam::${account || "000000000000"}:role/${name ?? "lambda"}-role`;
}

/** Throws an Error naming every setting outside what AWS allows. */
export function checkMappingSettings(settings: KinesisMappingSettings): void {
    const problems: string[] = [];
    const range = (name: keyof KinesisMappingSettings, value: number, min: number, max: number, also: number[] = []) => {
        if (!Number.isInteger(value) || ((value < min || value > max) && !also.includes(value))) {
            problems.push(`${name} must be an integer from ${min} to ${max}${also.length ? ` or ${also.join(", ")}` : ""} (got ${value})`);
        }
    };
    range("batchSize", settings.batchSize, 1, 10_000);
    range("maximumBatchingWindowInSeconds", settings.maximumBatchingWindowInSeconds, 0, 300);
    range("parallelizationFactor", settings.parallelizationFactor, 1, 10);
    range("maximumRetryAttempts", settings.maximumRetryAttempts, -1, 10_000);
    range("maximumRecordAgeInSeconds", settings.maximumRecordAgeInSeconds, 1, 604_800, [-1]);
    if (!["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"].includes(settings.startingPosition)) {
        problems.push(`startingPosition must be TRIM_HORIZON, LATEST or AT_TIMESTAMP (got ${settings.startingPosition})`);
    }
    if (settings.startingPosition === "AT_TIMESTAMP" && !(settings.startingPositionTimestamp instanceof Date)) {
        problems.push("startingPositionTimestamp is required with startingPosition AT_TIMESTAMP");
    }
    if (problems.length > 0) throw new Error(`invalid event source mapping settings: ${problems.join("; ")}`);
}
