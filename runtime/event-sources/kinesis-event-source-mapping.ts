import { randomUUID } from "node:crypto";
import { ListShardsCommand, type KinesisClient, type Shard } from "@aws-sdk/client-kinesis";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { KinesisStreamEvent } from "aws-lambda";
import { backOff } from "exponential-backoff";
import type { InvocationResult } from "../lambda/function-pool";
import { InMemoryCheckpointStore, type CheckpointStore } from "./checkpoint-store";
import { realClock, type Clock } from "../clock";
import { runBatch, type BatchRunnerOptions, type RecordsFinished } from "./kinesis-batch-runner";
import { kinesisEvent, type BufferedRecord } from "./kinesis-event";
import { kinesisOnFailureRecord, type DiscardCondition, type LastInvocation } from "./kinesis-on-failure-record";
import { KinesisMappingMetrics, type KinesisMappingStats } from "./kinesis-mapping-metrics";
import type { KinesisMappingSettings } from "./kinesis-mapping-settings";
import { KinesisShardReader } from "./kinesis-shard-reader";
import { sqsOnFailureDestination, type OnFailureDestination } from "./on-failure-destination";

export type { KinesisMappingStats } from "./kinesis-mapping-metrics";
export type { KinesisMappingSettings } from "./kinesis-mapping-settings";

/**
 * A Lambda event source mapping for a Kinesis stream (services-kinesis-parameters), run locally
 * against any endpoint that speaks the Kinesis API. One reader per shard (shards are listed once,
 * at start; resharding is not followed). Each record reaches the function at least once; a restart
 * with a persistent CheckpointStore continues after the last checkpoint.
 */

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
    /** Where discarded batches go (on-failure-destination.ts); takes the place of onFailureQueueUrl. */
    onFailure?: OnFailureDestination;
    /** Between reads while records are available; default 200 = Kinesis' 5 GetRecords calls per second per shard. */
    getRecordsIntervalMs?: number;
    /** Between reads of a caught-up shard; default 1000 = Lambda's "base rate of once per second". */
    caughtUpPollIntervalMs?: number;
    /**
     * Where the shards' caught-up polls fall, as a fraction of their interval, drawn once at start for
     * all shards (Math.random for AWS's: its mapping has polled since it was deployed, so a new file's
     * first records wait 0 to 1 s for a read). Default 0: the first reads at start.
     */
    pollPhase?: () => number;
    /** Default in memory; JsonFileCheckpointStore for runs that continue after a restart. */
    checkpoints?: CheckpointStore;
    /** Backoff between retries of a failing batch; default 100 ms doubling up to 3 s. */
    retryDelay?: { startingDelayMs: number; maxDelayMs: number };
    /** The function's execution role, shown as invokeIdentityArn in each record. */
    invokeIdentityArn?: string;
    /** Fault injection (--duplicate-rate): asked after each successful batch whether to deliver it again. */
    redeliver?: () => boolean;
    /** Time for polling, batching windows, retry delays and record ages; default real time. */
    clock?: Clock;
}

export class KinesisEventSourceMapping {
    private readers: KinesisShardReader[] = [];
    private stopped = false;
    private pollPhase = 0;
    private readonly checkpoints: CheckpointStore;
    private readonly clock: Clock;
    private readonly metrics: KinesisMappingMetrics;
    private readonly waiters: Array<{ since: number; resolve: () => void }> = [];

    constructor(private readonly options: KinesisEventSourceMappingOptions) {
        this.checkpoints = options.checkpoints ?? new InMemoryCheckpointStore();
        this.clock = options.clock ?? realClock;
        this.metrics = new KinesisMappingMetrics(this.clock);
    }

    /** Lists the shards and takes each one's first iterator; reading then goes on in the background. */
    async start(): Promise<void> {
        const shards = await this.listShards();
        // One phase for the mapping's shards: its pollers started together, when it was deployed.
        this.pollPhase = this.options.pollPhase?.() ?? 0;
        if (!(this.pollPhase >= 0 && this.pollPhase < 1)) throw new Error(`pollPhase must give a fraction of the poll interval, 0 or more and under 1 (got ${this.pollPhase})`);
        const firstPollDelayMs = this.pollPhase * (this.options.caughtUpPollIntervalMs ?? 1000);
        this.readers = await Promise.all(shards.map((shard) => this.readerFor(shard.ShardId as string, firstPollDelayMs)));
        await Promise.all(this.readers.map((reader) => reader.start()));
    }

    private async readerFor(shardId: string, firstPollDelayMs: number): Promise<KinesisShardReader> {
        const { options, metrics } = this;
        const runner = this.runnerFor(shardId);
        return new KinesisShardReader({
            kinesis: options.kinesis,
            streamName: options.streamName,
            shardId,
            settings: options.settings,
            eventContext: {
                shardId,
                streamArn: options.streamArn,
                region: options.region,
                invokeIdentityArn: options.invokeIdentityArn ?? defaultRoleArn(options.functionArn),
            },
            getRecordsIntervalMs: options.getRecordsIntervalMs ?? 200,
            caughtUpPollIntervalMs: options.caughtUpPollIntervalMs ?? 1000,
            firstPollDelayMs,
            clock: this.clock,
            checkpoint: await this.checkpoints.get(shardId),
            runBatch: (batch, finished) => this.deliver(runner, batch, finished),
            onRecordsReceived: (count, ageMs) => metrics.received(count, ageMs),
            onCheckpoint: async (sequenceNumber, advancedBy) => {
                metrics.checkpointed(advancedBy);
                await this.checkpoints.set(shardId, sequenceNumber);
            },
            onProgress: () => this.checkDrained(),
        });
    }

    /** One batch of a shard through the function; with fault injection, a successful batch may come again. */
    private async deliver(runner: BatchRunnerOptions, batch: BufferedRecord[], finished: RecordsFinished): Promise<void> {
        this.metrics.batchStarted();
        try {
            if ((await runBatch(runner, batch, finished)) !== "completed") return;
            this.metrics.batchFinished(this.clock.now() - batch[batch.length - 1].arrivalMs);
            // At-least-once, as when AWS loses a checkpoint: the same records again, in order, before the next batch.
            if (this.options.redeliver?.() !== true) return;
            this.metrics.redelivered();
            await runBatch(runner, batch, finished);
        } finally {
            this.metrics.batchEnded();
        }
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
            this.waiters.push({ since: this.clock.now(), resolve });
            this.checkDrained();
        });
    }

    stats(): KinesisMappingStats {
        return this.metrics.snapshot({
            shards: this.readers.length,
            recordsFinished: this.readers.reduce((sum, reader) => sum + reader.recordsFinished, 0),
            lastError: this.readers.map((reader) => reader.lastError).find((error) => error !== undefined),
            pollPhase: this.pollPhase,
        });
    }

    private runnerFor(shardId: string): BatchRunnerOptions {
        return {
            settings: this.options.settings,
            invoke: this.options.invoke,
            discard: (records, condition, invokeCount, last) => this.discard(shardId, records, condition, invokeCount, last),
            isStopped: () => this.stopped,
            retryDelay: this.options.retryDelay ?? { startingDelayMs: 100, maxDelayMs: 3000 },
            clock: this.clock,
            observer: this.metrics,
        };
    }

    private async discard(
        shardId: string,
        records: BufferedRecord[],
        condition: DiscardCondition,
        invokeCount: number,
        last: LastInvocation | undefined,
    ): Promise<void> {
        const { onFailureQueueUrl } = this.options;
        const destination = this.options.onFailure ?? (onFailureQueueUrl ? sqsOnFailureDestination(this.options.sqs, onFailureQueueUrl) : undefined);
        if (!destination) {
            this.metrics.dropped(records.length);
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
            nowMs: this.clock.now(),
        });
        // The shard waits until the destination has the record, as AWS's does.
        const event = kinesisEvent(records);
        await backOff(() => destination.send(document, event), {
            numOfAttempts: Number.POSITIVE_INFINITY,
            startingDelay: 100,
            maxDelay: 5000,
            retry: () => !this.stopped,
        });
        this.metrics.sentToOnFailure(records.length);
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
