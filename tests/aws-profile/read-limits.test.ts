import * as assert from "node:assert/strict";
import { GetRecordsCommand, GetShardIteratorCommand, PutRecordsCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import { startAwsProfile, type AwsProfileOptions, type AwsProfileProxy } from "../../runtime/aws-profile";
import { createStream, entries, kinesisClient, manualClock, useStandIns } from "./fixtures";

const NO_LATENCY = { putRecordsLatencyMs: 0, getRecordsLatencyMs: [0, 0] as [number, number], otherLatencyMs: 0 };
const THROTTLED = "ProvisionedThroughputExceededException";

describe("AWS profile: per-shard read limits", () => {
    const standIns = useStandIns();
    let proxy: AwsProfileProxy;
    let kinesis: KinesisClient;
    let clock: ReturnType<typeof manualClock>;

    async function start(options: AwsProfileOptions = {}): Promise<void> {
        clock = manualClock();
        proxy = await startAwsProfile(standIns().endpoints, { ...NO_LATENCY, ...options, clock });
        kinesis = kinesisClient(proxy.kinesisEndpoint);
    }
    afterEach(async () => {
        kinesis.destroy();
        await proxy.close();
    });

    /** Reads a shard call after call, following NextShardIterator; returns each call's outcome. */
    async function readCalls(streamName: string, shardId: string, calls: number): Promise<string[]> {
        const first = await kinesis.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: "TRIM_HORIZON" }));
        let iterator = first.ShardIterator;
        const outcomes: string[] = [];
        for (let call = 0; call < calls; call++) {
            try {
                const output = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
                outcomes.push(`${output.Records!.length} records`);
                iterator = output.NextShardIterator;
            } catch (error) {
                outcomes.push((error as Error).name);
            }
        }
        return outcomes;
    }

    it("refuses the 6th GetRecords call within a second on one shard, and not calls on another shard", async () => {
        await start();
        const { streamName, shards } = await createStream(kinesis, 2);

        const busy = await readCalls(streamName, shards[0].shardId, 6);
        const other = await readCalls(streamName, shards[1].shardId, 5);

        assert.deepEqual(busy, ["0 records", "0 records", "0 records", "0 records", "0 records", THROTTLED]);
        assert.deepEqual(other, ["0 records", "0 records", "0 records", "0 records", "0 records"]);
        assert.equal(proxy.stats().kinesis.throttledGetRecordsCalls, 1);
        assert.equal(proxy.stats().kinesis.untrackedGetRecordsCalls, 0);
    });

    it("refuses further reads of a shard that returned more than 2 MiB until a second has paid it back", async () => {
        await start({ shardWriteBytesPerSecond: Infinity });
        const { streamName, shards } = await createStream(kinesis, 1);
        await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: entries(3, "test", 900_000) }));

        const first = await kinesis.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shards[0].shardId, ShardIteratorType: "TRIM_HORIZON" }));
        const big = await kinesis.send(new GetRecordsCommand({ ShardIterator: first.ShardIterator }));
        const refused = await kinesis.send(new GetRecordsCommand({ ShardIterator: big.NextShardIterator })).then(
            () => "ok",
            (error: Error) => error.name,
        );
        clock.advance(1000);
        const after = await kinesis.send(new GetRecordsCommand({ ShardIterator: big.NextShardIterator }));

        assert.equal(big.Records!.length, 3);
        assert.equal(refused, THROTTLED);
        assert.equal(after.Records!.length, 0);
        assert.equal(proxy.stats().kinesis.readRecordBytes, 3 * (900_000 + 4));
    });

    it("returns at most 10 MiB per GetRecords call, and the next call goes on after the last record returned", async () => {
        // Kinesis quotas: "each call to GetRecords can return up to 10 MiB of data"; "if a call
        // returns 10 MiB, subsequent calls made within the next 5 seconds throw an exception".
        await start({ shardWriteBytesPerSecond: Infinity });
        const { streamName, shards } = await createStream(kinesis, 1);
        for (let put = 0; put < 3; put++) {
            await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: entries(5, "test", 900_000) }));
        }
        const recordBytes = 900_000 + 4;

        const first = await kinesis.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shards[0].shardId, ShardIteratorType: "TRIM_HORIZON" }));
        const capped = await kinesis.send(new GetRecordsCommand({ ShardIterator: first.ShardIterator }));
        clock.advance(3_000);
        const inDebt = await kinesis.send(new GetRecordsCommand({ ShardIterator: capped.NextShardIterator })).then(
            () => "ok",
            (error: Error) => error.name,
        );
        clock.advance(1_000);
        const rest = await kinesis.send(new GetRecordsCommand({ ShardIterator: capped.NextShardIterator }));

        assert.equal(capped.Records!.length, 11, "11 records of 900,004 bytes fit in 10 MiB (10,485,760 bytes); 12 don't");
        assert.equal(inDebt, THROTTLED, "9.9 MB read from a full bucket of 2 MiB is 3.7 s of debt at 2 MiB/s");
        assert.equal(rest.Records!.length, 4);
        const sequence = [...capped.Records!, ...rest.Records!].map((record) => BigInt(record.SequenceNumber!));
        assert.ok(
            sequence.every((number, index) => index === 0 || number > sequence[index - 1]),
            "the 15 records once each, in order: nothing skipped or repeated at the cut",
        );
        assert.equal(proxy.stats().kinesis.readRecordBytes, 15 * recordBytes);
    });

    it("lets GetRecords through unlimited when the iterator did not come through the proxy", async () => {
        await start();
        const { streamName, shards } = await createStream(kinesis, 1);
        const direct = kinesisClient(standIns().endpoints.kinesis);
        try {
            const { ShardIterator } = await direct.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shards[0].shardId, ShardIteratorType: "TRIM_HORIZON" }));
            for (let call = 0; call < 7; call++) await kinesis.send(new GetRecordsCommand({ ShardIterator }));
        } finally {
            direct.destroy();
        }
        assert.equal(proxy.stats().kinesis.untrackedGetRecordsCalls, 7);
        assert.equal(proxy.stats().kinesis.throttledGetRecordsCalls, 0);
    });
});
