import { ManualClock } from "../../runtime/clock";
import * as assert from "node:assert/strict";
import { PutRecordsCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import { startAwsProfile, type AwsProfileProxy } from "../../runtime/aws-profile";
import { hashKeyOf, shardForHashKey, streamNameOf } from "../../runtime/aws-profile/shard-routing";
import { createStream, entries, kinesisClient, useStandIns } from "./fixtures";

const NO_LATENCY = { putRecordsLatencyMs: 0, getRecordsLatencyMs: [0, 0] as [number, number], otherLatencyMs: 0 };

describe("AWS profile: which shard a record lands on", () => {
    const standIns = useStandIns();
    let proxy: AwsProfileProxy;
    let kinesis: KinesisClient;

    beforeEach(async () => {
        proxy = await startAwsProfile(standIns().endpoints, { ...NO_LATENCY, clock: new ManualClock() });
        kinesis = kinesisClient(proxy.kinesisEndpoint);
    });
    afterEach(async () => {
        kinesis.destroy();
        await proxy.close();
    });

    it("reads the MD5 of the partition key as a 128-bit big-endian integer", () => {
        // md5("test") = 098f6bcd4621d373cade4e832627b4f6
        assert.equal(hashKeyOf("test"), 0x098f6bcd4621d373cade4e832627b4f6n);
        assert.equal(hashKeyOf("test", "42"), 42n);
    });

    it("finds the stream name in a StreamName or a StreamARN", () => {
        assert.equal(streamNameOf({ StreamName: "a" }), "a");
        assert.equal(streamNameOf({ StreamARN: "arn:aws:kinesis:us-east-1:000000000000:stream/b" }), "b");
        assert.equal(streamNameOf({}), undefined);
    });

    it("keeps every record of a constant partition key on one shard", async () => {
        const { streamName, shards } = await createStream(kinesis, 4);
        const output = await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: entries(200, "test") }));
        assert.equal(output.FailedRecordCount, 0);
        const used = new Set(output.Records!.map((record) => record.ShardId));
        assert.deepEqual([...used], [shardForHashKey(shards, hashKeyOf("test"))!.shardId]);
    });

    it("spreads many partition keys over 4 shards roughly evenly, on the shards the stand-in chose too", async () => {
        const { streamName, shards } = await createStream(kinesis, 4);
        const perShard = new Map<string, number>();
        for (let call = 0; call < 4; call++) {
            const batch = entries(250, (index) => `key-${call}-${index}`);
            const output = await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: batch }));
            assert.equal(output.FailedRecordCount, 0);
            output.Records!.forEach((record, index) => {
                assert.equal(record.ShardId, shardForHashKey(shards, hashKeyOf(batch[index].PartitionKey))!.shardId);
                perShard.set(record.ShardId!, (perShard.get(record.ShardId!) ?? 0) + 1);
            });
        }
        assert.equal(perShard.size, 4);
        for (const [shardId, count] of perShard) {
            assert.ok(count >= 180 && count <= 320, `${shardId} got ${count} of 1,000 records; expected about 250`);
        }
    });

    it("places a record with an ExplicitHashKey by that key instead of the partition key", async () => {
        const { streamName, shards } = await createStream(kinesis, 4);
        const last = shards[shards.length - 1];
        const output = await kinesis.send(
            new PutRecordsCommand({
                StreamName: streamName,
                Records: [{ Data: Buffer.from("x"), PartitionKey: "test", ExplicitHashKey: last.startingHashKey.toString() }],
            }),
        );
        assert.equal(output.Records![0].ShardId, last.shardId);
    });
});
