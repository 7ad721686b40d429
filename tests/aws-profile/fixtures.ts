import { ManualClock } from "../../runtime/clock";
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, ListShardsCommand } from "@aws-sdk/client-kinesis";
import { S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { hashKeyOf, shardForHashKey, type ShardRange } from "../../runtime/aws-profile/shard-routing";
import { startStandIns, type RunningStandIns } from "../../runtime/standins/stand-ins";

/** Registers before/after hooks that run the real stand-ins for the enclosing describe block. */
export function useStandIns(): () => RunningStandIns {
    let standIns: RunningStandIns | undefined;
    before(async function () {
        this.timeout(60_000);
        standIns = await startStandIns();
    });
    after(async () => {
        await standIns?.stop();
    });
    return () => {
        if (!standIns) throw new Error("the stand-ins are not running; call useStandIns() inside a describe block");
        return standIns;
    };
}

const credentials = { accessKeyId: "test", secretAccessKey: "test" };

/** A Kinesis client that makes one attempt per call, so a throttled call shows as an error instead of a retry. */
export function kinesisClient(endpoint: string): KinesisClient {
    return new KinesisClient({ region: "us-east-1", endpoint, credentials, requestHandler: new NodeHttpHandler(), maxAttempts: 1 });
}

export function s3Client(endpoint: string): S3Client {
    return new S3Client({ region: "us-east-1", endpoint, credentials, forcePathStyle: true, requestHandler: new NodeHttpHandler(), maxAttempts: 1 });
}

let streamCounter = 0;

/** Creates a stream with a fresh name and waits until it is active; returns its name and open shards. */
export async function createStream(client: KinesisClient, shardCount: number): Promise<{ streamName: string; shards: ShardRange[] }> {
    const streamName = `aws-profile-${process.pid}-${++streamCounter}`;
    await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
    for (let attempt = 0; ; attempt++) {
        const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
        if (summary.StreamDescriptionSummary?.StreamStatus === "ACTIVE") break;
        if (attempt === 200) throw new Error(`stream ${streamName} did not become ACTIVE`);
        await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const listed = await client.send(new ListShardsCommand({ StreamName: streamName }));
    const shards = (listed.Shards ?? []).map((shard) => ({
        shardId: shard.ShardId!,
        startingHashKey: BigInt(shard.HashKeyRange!.StartingHashKey!),
        endingHashKey: BigInt(shard.HashKeyRange!.EndingHashKey!),
    }));
    return { streamName, shards };
}

/** The first partition key of the form `${prefix}-N` that lands on the given shard. */
export function keyOnShard(shards: readonly ShardRange[], shardId: string, prefix = "key"): string {
    for (let n = 0; n < 10_000; n++) {
        const key = `${prefix}-${n}`;
        if (shardForHashKey(shards, hashKeyOf(key))?.shardId === shardId) return key;
    }
    throw new Error(`no key of the form ${prefix}-N lands on ${shardId}`);
}

/** A clock the test moves by hand: the limiters see time stand still unless the test advances it. */
export function manualClock(): ManualClock {
    return new ManualClock();
}

export function entries(count: number, partitionKey: string | ((index: number) => string), bytes = 16): { Data: Uint8Array; PartitionKey: string }[] {
    return Array.from({ length: count }, (_, index) => ({
        Data: Buffer.alloc(bytes, index % 256),
        PartitionKey: typeof partitionKey === "string" ? partitionKey : partitionKey(index),
    }));
}
