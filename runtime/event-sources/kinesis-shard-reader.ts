import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient, type ShardIteratorType } from "@aws-sdk/client-kinesis";
import { LAMBDA_PAYLOAD_MAX_BYTES } from "../../settings/parse";
import { wakeableSleep, type Clock, type Timer } from "../clock";
import type { RecordsFinished } from "./kinesis-batch-runner";
import type { KinesisMappingSettings } from "./kinesis-mapping-settings";
import { EVENT_ENVELOPE_BYTES, toBufferedRecord, type BufferedRecord, type EventRecordContext } from "./kinesis-event";
import { laneOfPartitionKey } from "./partition-key-lane";
import { ShardCheckpointTracker } from "./shard-checkpoint-tracker";

/**
 * One shard of an event source mapping: reads it with GetRecords, splits its records over ParallelizationFactor lanes by a
 * hash of the partition key (so one key's records stay in order, in one lane), and keeps one batch
 * in flight per lane. A lane waits up to MaximumBatchingWindowInSeconds for a full batch (BatchSize
 * records or 6 MB of payload). Reading pauses while enough records wait in the lanes, so records
 * wait in the stream instead, where the iterator age shows them.
 *
 * Polling follows AWS (with-kinesis, "Polling and batching streams"): "Lambda polls each shard in
 * your Kinesis stream for records at a base rate of once per second. When more records are
 * available, Lambda keeps processing batches until the function catches up with the stream." So a
 * caught-up shard is read once per `caughtUpPollIntervalMs` (1 s), and a shard whose last read
 * returned records is read again after `getRecordsIntervalMs` (200 ms: Kinesis' own limit of 5
 * calls per second per shard, which the mapping shares with any other reader).
 *
 * The batching window follows invocation-eventsourcemapping: "For Kinesis, DynamoDB, and Amazon SQS
 * event sources: ... the next batching window begins as soon as the previous function invocation
 * completes" (starting at the first record is the rule for MSK, Kafka and MQ).
 */

export interface ShardReaderOptions {
    kinesis: KinesisClient;
    streamName: string;
    shardId: string;
    settings: KinesisMappingSettings;
    eventContext: EventRecordContext;
    /** Between reads while records are available: Kinesis' per-shard call limit (200 ms is 5/s). */
    getRecordsIntervalMs: number;
    /** Between reads of a caught-up shard: Lambda's base rate, once per second. */
    caughtUpPollIntervalMs: number;
    /**
     * Before the first read: where the caught-up shard's once-a-second polls fall. On AWS the mapping
     * has polled since it was deployed, so a new file's first records wait anywhere from 0 to 1 s for a read.
     */
    firstPollDelayMs?: number;
    clock: Clock;
    /** Checkpoint stored by an earlier run: reading resumes after it. */
    checkpoint?: string;
    /** Takes one batch through the function; `finished` is told of its records as they are done with. */
    runBatch(batch: BufferedRecord[], finished: RecordsFinished): Promise<void>;
    /** `getRecordsAgeMs`: now minus the arrival of the newest record read (Kinesis's GetRecords.IteratorAgeMilliseconds). */
    onRecordsReceived(count: number, getRecordsAgeMs: number): void;
    onCheckpoint(sequenceNumber: string, advancedBy: number): Promise<void>;
    onProgress(): void;
}

interface Lane {
    queue: BufferedRecord[];
    queueBytes: number;
    busy: boolean;
    /**
     * When the lane's previous invocation completed: its batching window starts then. A lane that has
     * not run yet has no window pending (on AWS the mapping has polled since it was deployed, long before
     * a file comes), so its first records go at the first read that finds them.
     */
    idleSince: number;
    timer?: Timer;
    running?: Promise<void>;
}

export class KinesisShardReader {
    private iterator: string | undefined;
    private lastReadSequenceNumber: string | undefined;
    private ended = false;
    private stopped = false;
    private lastEmptyReadStartedAt = Number.NEGATIVE_INFINITY;
    private readonly checkpointWrites = new Set<Promise<void>>();
    private loop: Promise<void> | undefined;
    private wake: (() => void) | undefined;
    private readonly lanes: Lane[];
    private readonly tracker = new ShardCheckpointTracker();
    lastError: Error | undefined;

    constructor(private readonly options: ShardReaderOptions) {
        this.lanes = Array.from({ length: options.settings.parallelizationFactor }, () => ({
            queue: [],
            queueBytes: 0,
            busy: false,
            idleSince: Number.NEGATIVE_INFINITY,
        }));
        this.lastReadSequenceNumber = options.checkpoint;
    }

    get shardId(): string {
        return this.options.shardId;
    }

    /** Gets the first iterator (so LATEST means "after start()"), then polls in the background. */
    async start(): Promise<void> {
        this.iterator = await this.newIterator();
        this.loop = this.pollLoop();
    }

    async stop(): Promise<void> {
        this.stopped = true;
        this.wake?.();
        for (const lane of this.lanes) lane.timer?.cancel();
        await this.loop;
        await Promise.all(this.lanes.map((lane) => lane.running));
        // A checkpoint written as the last batch ended must be stored before a restart reads it.
        await Promise.all(this.checkpointWrites);
    }

    /** Caught up: a read that started at or after `since` found nothing, and nothing is left to do. */
    caughtUpSince(since: number): boolean {
        const idle =
            this.lanes.every((lane) => !lane.busy && lane.queue.length === 0) && this.checkpointWrites.size === 0 && this.tracker.outstanding === 0;
        return idle && (this.ended || this.lastEmptyReadStartedAt >= since);
    }

    private async pollLoop(): Promise<void> {
        const { clock, getRecordsIntervalMs, caughtUpPollIntervalMs, firstPollDelayMs = 0 } = this.options;
        if (firstPollDelayMs > 0) await this.sleep(firstPollDelayMs);
        while (!this.stopped && !this.ended) {
            const started = clock.now();
            const caughtUp = this.hasRoom() && (await this.readOnce(started)) === "caught-up";
            const wait = (caughtUp ? caughtUpPollIntervalMs : getRecordsIntervalMs) - (clock.now() - started);
            if (wait > 0) await this.sleep(wait);
        }
    }

    /** Waits `ms` of the clock's time, or until stop(). */
    private async sleep(ms: number): Promise<void> {
        if (this.stopped) return;
        const sleep = wakeableSleep(this.options.clock, ms);
        this.wake = sleep.wake;
        await sleep.done;
        this.wake = undefined;
    }

    private hasRoom(): boolean {
        const { batchSize, parallelizationFactor } = this.options.settings;
        const queued = this.lanes.reduce((sum, lane) => sum + lane.queue.length, 0);
        const queuedBytes = this.lanes.reduce((sum, lane) => sum + lane.queueBytes, 0);
        return queued < batchSize * parallelizationFactor && queuedBytes < LAMBDA_PAYLOAD_MAX_BYTES * parallelizationFactor;
    }

    /** "caught-up" when the read found no records. */
    private async readOnce(started: number): Promise<"records" | "caught-up" | "failed"> {
        try {
            this.iterator ??= await this.newIterator();
            const output = await this.options.kinesis.send(new GetRecordsCommand({ ShardIterator: this.iterator, Limit: 10_000 }));
            this.iterator = output.NextShardIterator;
            if (!this.iterator) this.ended = true;
            const records = output.Records ?? [];
            this.lastError = undefined;
            if (records.length === 0) {
                this.lastEmptyReadStartedAt = started;
                this.options.onProgress();
                return "caught-up";
            }
            const now = this.options.clock.now();
            const buffered = records.map((record) => toBufferedRecord(record, this.options.eventContext, now, this.options.clock));
            this.lastReadSequenceNumber = buffered[buffered.length - 1].sequenceNumber;
            this.tracker.add(buffered.map((record) => record.sequenceNumber));
            this.options.onRecordsReceived(buffered.length, now - buffered[buffered.length - 1].arrivalMs);
            for (const record of buffered) this.enqueue(record);
            for (const lane of this.lanes) this.pump(lane);
            return "records";
        } catch (error) {
            this.lastError = error as Error;
            // An iterator expires after 5 minutes unused (reading pauses while lanes are full).
            if ((error as Error).name === "ExpiredIteratorException") this.iterator = undefined;
            return "failed";
        }
    }

    private newIterator(): Promise<string> {
        const { kinesis, streamName, shardId, settings } = this.options;
        const type: ShardIteratorType = this.lastReadSequenceNumber ? "AFTER_SEQUENCE_NUMBER" : settings.startingPosition;
        return kinesis
            .send(
                new GetShardIteratorCommand({
                    StreamName: streamName,
                    ShardId: shardId,
                    ShardIteratorType: type,
                    StartingSequenceNumber: this.lastReadSequenceNumber,
                    Timestamp: type === "AT_TIMESTAMP" ? settings.startingPositionTimestamp : undefined,
                }),
            )
            .then((output) => {
                if (!output.ShardIterator) throw new Error(`GetShardIterator returned no iterator for ${shardId}`);
                return output.ShardIterator;
            });
    }

    private enqueue(record: BufferedRecord): void {
        const lane = this.lanes[laneOfPartitionKey(record.partitionKey, this.lanes.length)];
        lane.queue.push(record);
        lane.queueBytes += record.eventBytes;
    }

    /** Starts the lane's next batch when it is due. */
    private pump(lane: Lane): void {
        if (lane.busy || this.stopped || lane.queue.length === 0) return;
        const { clock, settings } = this.options;
        const count = this.nextBatchSize(lane);
        const full = count === settings.batchSize || count < lane.queue.length;
        lane.timer?.cancel();
        if (settings.maximumBatchingWindowInSeconds > 0 && !full) {
            const due = lane.idleSince + settings.maximumBatchingWindowInSeconds * 1000;
            if (clock.now() < due) {
                lane.timer = clock.setTimeout(() => this.pump(lane), due - clock.now());
                return;
            }
        }
        const batch = lane.queue.splice(0, count);
        lane.queueBytes -= batch.reduce((sum, record) => sum + record.eventBytes, 0);
        lane.busy = true;
        lane.running = this.options
            .runBatch(batch, (records) => this.done(records))
            .catch((error: Error) => {
                // Never lose a batch to an unexpected error: its unfinished records go back to the
                // head of their lane, in order, and are delivered again.
                this.lastError = error;
                const unfinished = batch.filter((record) => !this.tracker.isDone(record.sequenceNumber));
                lane.queue.unshift(...unfinished);
                lane.queueBytes += unfinished.reduce((sum, record) => sum + record.eventBytes, 0);
            })
            .then(() => {
                lane.busy = false;
                lane.idleSince = clock.now();
                this.pump(lane);
                this.options.onProgress();
            });
    }

    /** The records of the lane's next batch: up to BatchSize, within Lambda's payload limit, and at least one. */
    private nextBatchSize(lane: Lane): number {
        let count = 0;
        let bytes = EVENT_ENVELOPE_BYTES;
        while (count < lane.queue.length && count < this.options.settings.batchSize && bytes + lane.queue[count].eventBytes <= LAMBDA_PAYLOAD_MAX_BYTES) {
            bytes += lane.queue[count].eventBytes;
            count++;
        }
        return Math.max(count, 1);
    }

    /** Records whose batch is finished with, each once: processed, or sent to the on-failure destination. */
    get recordsFinished(): number {
        return this.tracker.finished;
    }

    private done(records: BufferedRecord[]): void {
        const moved = this.tracker.markDone(records.map((record) => record.sequenceNumber));
        if (!moved) return;
        const write: Promise<void> = this.options
            .onCheckpoint(moved.checkpoint, moved.advancedBy)
            .catch((error: Error) => {
                this.lastError = error;
            })
            .finally(() => {
                this.checkpointWrites.delete(write);
                this.options.onProgress();
            });
        this.checkpointWrites.add(write);
    }
}
