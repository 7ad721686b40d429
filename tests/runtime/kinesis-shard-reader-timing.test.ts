import * as assert from "node:assert/strict";
import { GetRecordsCommand, GetShardIteratorCommand, type _Record as KinesisRecord, type KinesisClient } from "@aws-sdk/client-kinesis";
import { ManualClock } from "../../runtime/clock";
import type { BufferedRecord } from "../../runtime/event-sources/kinesis-event";
import { KinesisShardReader } from "../../runtime/event-sources/kinesis-shard-reader";
import type { KinesisMappingSettings } from "../../runtime/event-sources/kinesis-mapping-settings";
import { MAPPING_DEFAULTS } from "../support/runtime-mapping";

/**
 * When the mapping reads a shard and when it invokes, on a clock the test moves, with a mocked
 * Kinesis client (the one piece under test is the shard reader). AWS's words:
 * - with-kinesis, "Polling and batching streams": "Lambda polls each shard in your Kinesis stream for
 *   records at a base rate of once per second. When more records are available, Lambda keeps
 *   processing batches until the function catches up with the stream."
 * - invocation-eventsourcemapping, "Batching behavior": "For Kinesis, DynamoDB, and Amazon SQS event
 *   sources: ... the next batching window begins as soon as the previous function invocation completes."
 */
describe("the shard reader's timing on the mapping's clock", () => {
    const readers: KinesisShardReader[] = [];
    afterEach(async () => {
        await Promise.all(readers.splice(0).map((reader) => reader.stop()));
    });

    /** A shard whose reads return what `stream.put` added since the last read, at most `perCall` records a call. */
    function shard(clock: ManualClock, settings: Partial<KinesisMappingSettings>, perCall = Infinity, firstPollDelayMs = 0) {
        const waiting: KinesisRecord[] = [];
        const readsAt: number[] = [];
        const invokedAt: Array<{ at: number; records: number }> = [];
        let sequence = 100;
        const kinesis = {
            send: async (command: unknown) => {
                if (command instanceof GetShardIteratorCommand) return { ShardIterator: "iterator" };
                if (command instanceof GetRecordsCommand) {
                    readsAt.push(clock.now());
                    return { Records: waiting.splice(0, perCall), NextShardIterator: "iterator" };
                }
                throw new Error(`unexpected command ${String(command)}`);
            },
        } as unknown as KinesisClient;
        const reader = new KinesisShardReader({
            kinesis,
            streamName: "s",
            shardId: "shardId-000000000000",
            settings: { ...MAPPING_DEFAULTS, ...settings } as KinesisMappingSettings,
            eventContext: { shardId: "shardId-000000000000", streamArn: "arn:aws:kinesis:us-east-1:000000000000:stream/s", region: "us-east-1", invokeIdentityArn: "arn:aws:iam::000000000000:role/r" },
            getRecordsIntervalMs: 200,
            caughtUpPollIntervalMs: 1000,
            firstPollDelayMs,
            clock,
            runBatch: async (batch: BufferedRecord[], finished) => {
                invokedAt.push({ at: clock.now(), records: batch.length });
                finished(batch);
            },
            onRecordsReceived: () => {},
            onCheckpoint: async () => {},
            onProgress: () => {},
        });
        readers.push(reader);
        const put = (count: number) => {
            for (let index = 0; index < count; index++) {
                waiting.push({ SequenceNumber: String(sequence++), PartitionKey: "k", Data: Buffer.from("x"), ApproximateArrivalTimestamp: new Date(clock.now()) });
            }
        };
        return { reader, put, readsAt, invokedAt };
    }

    /** Moves the clock `ms` in 50 ms steps, letting the reader's promises run between steps. */
    async function run(clock: ManualClock, ms: number): Promise<void> {
        for (let moved = 0; moved < ms; moved += 50) {
            for (let flush = 0; flush < 5; flush++) await new Promise((resolve) => setImmediate(resolve));
            clock.advance(50);
        }
        for (let flush = 0; flush < 5; flush++) await new Promise((resolve) => setImmediate(resolve));
    }

    it("reads a caught-up shard once a second, leaving the rest of Kinesis' 5 calls per second to other readers", async () => {
        const clock = new ManualClock(0);
        const { reader, readsAt } = shard(clock, {});

        await reader.start();
        await run(clock, 10_000);

        assert.deepEqual(
            readsAt,
            Array.from({ length: 11 }, (_, second) => second * 1000),
        );
    });

    it("starts the once-a-second polls at the phase it is given, so a new file's first records wait up to a second for a read", async () => {
        const clock = new ManualClock(0);
        const { reader, put, readsAt, invokedAt } = shard(clock, {}, Infinity, 700);

        await reader.start();
        await run(clock, 1_000);
        put(2); // the file's first records, at 1 s: the next poll is at 1.7 s
        await run(clock, 2_000);

        assert.deepEqual(readsAt, [700, 1_700, 1_900, 2_900], "polls at 0.7 s and 1.7 s, the next 200 ms after the read that found records, then a second later");
        assert.deepEqual(invokedAt, [{ at: 1_700, records: 2 }]);
    });

    it("stops at once while it waits for its first poll", async () => {
        const clock = new ManualClock(0);
        const { reader, readsAt } = shard(clock, {}, Infinity, 60_000);

        await reader.start();
        await run(clock, 500);
        await reader.stop();
        await run(clock, 60_000);

        assert.deepEqual(readsAt, [], "no read before the phase came, and none after the stop");
    });

    it("keeps reading at Kinesis' per-shard call rate while reads return records, and falls back to once a second when caught up", async () => {
        const clock = new ManualClock(0);
        const { reader, put, readsAt, invokedAt } = shard(clock, { batchSize: 100 }, 100);
        put(300);

        await reader.start();
        await run(clock, 2_500);

        assert.deepEqual(readsAt, [0, 200, 400, 600, 1600], "three reads of 100 records 200 ms apart, an empty one, then once a second");
        assert.deepEqual(
            invokedAt.map((invocation) => invocation.records),
            [100, 100, 100],
        );
    });

    it("sends a lane's first records at the first read that finds them: a deployed mapping has no window pending", async () => {
        const clock = new ManualClock(0);
        const { reader, put, invokedAt } = shard(clock, { maximumBatchingWindowInSeconds: 5 });

        await reader.start(); // reads at 0 s and finds nothing
        await run(clock, 300);
        put(2); // the file's first records, read at 1 s
        await run(clock, 1_000);

        assert.deepEqual(invokedAt, [{ at: 1_000, records: 2 }], "not 5 s after the reader started");
    });

    it("starts a batching window when the previous invocation completes, not at the first record", async () => {
        const clock = new ManualClock(0);
        const { reader, put, invokedAt } = shard(clock, { maximumBatchingWindowInSeconds: 5 });

        await reader.start();
        await run(clock, 9_500);
        put(1); // the lane has been idle for 9.5 s: its window ended long ago
        await run(clock, 3_000); // read at 10 s, invoked then; the invocation completes at once
        put(1); // at 12.5 s, read at 13 s: this window began at 10 s, when the invocation completed
        await run(clock, 5_000);

        assert.deepEqual(invokedAt, [
            { at: 10_000, records: 1 },
            { at: 15_000, records: 1 },
        ]);
    });
});
