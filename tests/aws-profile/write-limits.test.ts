import * as assert from "node:assert/strict";
import { GetRecordsCommand, GetShardIteratorCommand, PutRecordCommand, PutRecordsCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import { startAwsProfile, type AwsProfileProxy } from "../../runtime/aws-profile";
import { createStream, entries, keyOnShard, kinesisClient, manualClock, useStandIns } from "./fixtures";

const NO_LATENCY = { putRecordsLatencyMs: 0, getRecordsLatencyMs: [0, 0] as [number, number], otherLatencyMs: 0 };
const THROTTLED = "ProvisionedThroughputExceededException";

describe("AWS profile: per-shard write limits", () => {
    const standIns = useStandIns();
    let proxy: AwsProfileProxy;
    let kinesis: KinesisClient;
    let direct: KinesisClient;
    let clock: ReturnType<typeof manualClock>;

    beforeEach(async () => {
        clock = manualClock();
        proxy = await startAwsProfile(standIns().endpoints, { ...NO_LATENCY, clock });
        kinesis = kinesisClient(proxy.kinesisEndpoint);
        direct = kinesisClient(standIns().endpoints.kinesis);
    });
    afterEach(async () => {
        kinesis.destroy();
        direct.destroy();
        await proxy.close();
    });

    /** Every record on the shard, read straight from the stand-in (no proxy, no limits). */
    async function recordsOnShard(streamName: string, shardId: string): Promise<number> {
        const { ShardIterator } = await direct.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: "TRIM_HORIZON" }));
        const output = await direct.send(new GetRecordsCommand({ ShardIterator, Limit: 10_000 }));
        return output.Records!.length;
    }

    it("accepts 1,000 of 1,500 records of one hot key within a second and fails the other 500 per entry", async () => {
        const { streamName, shards } = await createStream(kinesis, 1);
        const results = [];
        for (let call = 0; call < 3; call++) {
            const output = await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: entries(500, "test") }));
            results.push(output);
        }

        const all = results.flatMap((output) => output.Records!);
        assert.equal(all.filter((record) => record.SequenceNumber).length, 1000);
        assert.deepEqual(results.map((output) => output.FailedRecordCount), [0, 0, 500]);
        for (const record of results[2].Records!) {
            assert.equal(record.ErrorCode, THROTTLED);
            assert.equal(record.ErrorMessage, `Rate exceeded for shard ${shards[0].shardId} in stream ${streamName} under account 000000000000.`);
        }
        assert.equal(await recordsOnShard(streamName, shards[0].shardId), 1000, "throttled entries must not reach the stream");
        assert.equal(proxy.stats().kinesis.throttledPutEntries, 500);
        assert.equal(proxy.stats().kinesis.putEntries, 1500);
    });

    it("keeps throttled entries in their original positions among the accepted ones", async () => {
        const { streamName, shards } = await createStream(kinesis, 2);
        const hot = keyOnShard(shards, shards[0].shardId, "hot");
        const cool = keyOnShard(shards, shards[1].shardId, "cool");
        await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: entries(500, hot) }));
        await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: entries(490, hot) }));

        // 10 records left on the hot shard: of 20 alternating hot entries, the last 10 fail; every cool entry passes.
        const batch = entries(40, (index) => (index % 2 === 0 ? hot : cool));
        const output = await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: batch }));

        const failedPositions = output.Records!.flatMap((record, index) => (record.ErrorCode ? [index] : []));
        assert.deepEqual(failedPositions, [20, 22, 24, 26, 28, 30, 32, 34, 36, 38]);
        assert.equal(output.FailedRecordCount, 10);
        output.Records!.forEach((record, index) => {
            if (!record.ErrorCode) assert.equal(record.ShardId, index % 2 === 0 ? shards[0].shardId : shards[1].shardId);
        });
        assert.equal(await recordsOnShard(streamName, shards[0].shardId), 1000);
        assert.equal(await recordsOnShard(streamName, shards[1].shardId), 20);
    });

    it("lets all 1,500 records through when they spread over 2 shards", async () => {
        const { streamName, shards } = await createStream(kinesis, 2);
        const keys = [keyOnShard(shards, shards[0].shardId), keyOnShard(shards, shards[1].shardId)];
        let failed = 0;
        for (let call = 0; call < 3; call++) {
            const output = await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: entries(500, (index) => keys[index % 2]) }));
            failed += output.FailedRecordCount!;
        }
        assert.equal(failed, 0);
        assert.equal(proxy.stats().kinesis.throttledPutEntries, 0);
    });

    it("holds 1 MiB/s per shard: the third of three 500 KB records within a second is throttled", async () => {
        const { streamName } = await createStream(kinesis, 1);
        const output = await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: entries(3, "test", 500_000) }));
        assert.deepEqual(
            output.Records!.map((record) => record.ErrorCode ?? "ok"),
            ["ok", "ok", THROTTLED],
        );
    });

    it("refills a shard's limits as time passes", async () => {
        const { streamName } = await createStream(kinesis, 1);
        await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: entries(500, "test") }));
        await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: entries(500, "test") }));
        const exhausted = await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: entries(10, "test") }));
        clock.advance(250);
        const quarter = await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: entries(500, "test") }));
        clock.advance(1000);
        const full = await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: entries(500, "test") }));

        assert.equal(exhausted.FailedRecordCount, 10);
        assert.equal(quarter.FailedRecordCount, 250);
        assert.equal(full.FailedRecordCount, 0);
    });

    it("answers a PutRecord over the limit with a 400 ProvisionedThroughputExceededException", async () => {
        const { streamName } = await createStream(kinesis, 1);
        await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: entries(500, "test", 1000) }));
        await kinesis.send(new PutRecordCommand({ StreamName: streamName, PartitionKey: "test", Data: Buffer.alloc(500_000) }));

        const error = await kinesis.send(new PutRecordCommand({ StreamName: streamName, PartitionKey: "test", Data: Buffer.alloc(100_000) })).then(
            () => undefined,
            (caught: { name: string; $metadata: { httpStatusCode?: number } }) => caught,
        );
        assert.equal(error?.name, THROTTLED);
        assert.equal(error?.$metadata.httpStatusCode, 400);
        assert.equal(proxy.stats().kinesis.throttledPutEntries, 1);
    });
});
