import { KinesisClient, ListShardsCommand, type Shard } from "@aws-sdk/client-kinesis";
import type { ShardRange } from "./shard-routing";
import { upstreamKinesisClient } from "./upstream-kinesis-client";

/**
 * Each stream's open shards and their hash key ranges, learned with ListShards from the upstream
 * (not through the proxy, so it costs no latency and no limit) and cached per stream. The proxy forgets
 * a stream (so the next call looks it up again) when a record's hash key falls in no cached
 * shard, and after a call that changes its shards.
 */
export class ShardDirectory {
    private readonly client: KinesisClient;
    private readonly streams = new Map<string, Promise<ShardRange[] | undefined>>();

    constructor(upstreamEndpoint: string) {
        this.client = upstreamKinesisClient(upstreamEndpoint);
    }

    /** The stream's open shards, or undefined when the upstream doesn't know the stream (the call then goes through unlimited). */
    shards(streamName: string): Promise<ShardRange[] | undefined> {
        let shards = this.streams.get(streamName);
        if (!shards) {
            shards = this.listOpenShards(streamName);
            this.streams.set(streamName, shards);
            // A failed lookup is not cached: the stream may exist on the next call.
            shards.then((found) => found === undefined && this.streams.get(streamName) === shards && this.streams.delete(streamName));
        }
        return shards;
    }

    forget(streamName: string): void {
        this.streams.delete(streamName);
    }

    close(): void {
        this.client.destroy();
    }

    private async listOpenShards(streamName: string): Promise<ShardRange[] | undefined> {
        const shards: Shard[] = [];
        let nextToken: string | undefined;
        try {
            do {
                const page = await this.client.send(new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName }));
                shards.push(...(page.Shards ?? []));
                nextToken = page.NextToken;
            } while (nextToken);
        } catch {
            return undefined;
        }
        return shards
            .filter((shard) => shard.SequenceNumberRange?.EndingSequenceNumber === undefined && shard.HashKeyRange && shard.ShardId)
            .map((shard) => ({
                shardId: shard.ShardId!,
                startingHashKey: BigInt(shard.HashKeyRange!.StartingHashKey!),
                endingHashKey: BigInt(shard.HashKeyRange!.EndingHashKey!),
            }));
    }
}
