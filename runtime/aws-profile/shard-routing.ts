import { createHash } from "node:crypto";

/** An open shard's hash key range, as ListShards gives it (decimal strings parsed to bigint). */
export interface ShardRange {
    shardId: string;
    startingHashKey: bigint;
    endingHashKey: bigint;
}

/**
 * The hash key Kinesis places a record by: MD5 of the partition key (UTF-8) read as a 128-bit
 * big-endian unsigned integer, or the ExplicitHashKey (a decimal string) when one is given.
 */
export function hashKeyOf(partitionKey: string, explicitHashKey?: string): bigint {
    if (explicitHashKey !== undefined && explicitHashKey !== null && explicitHashKey !== "") return BigInt(explicitHashKey);
    return BigInt("0x" + createHash("md5").update(partitionKey, "utf8").digest("hex"));
}

/** The open shard whose [StartingHashKey, EndingHashKey] holds the hash key, if any. */
export function shardForHashKey(shards: readonly ShardRange[], hashKey: bigint): ShardRange | undefined {
    return shards.find((shard) => hashKey >= shard.startingHashKey && hashKey <= shard.endingHashKey);
}

/** The stream name in a StreamName or a StreamARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME). */
export function streamNameOf(request: { StreamName?: unknown; StreamARN?: unknown }): string | undefined {
    if (typeof request.StreamName === "string" && request.StreamName) return request.StreamName;
    if (typeof request.StreamARN === "string") {
        const match = /:stream\/([^/]+)$/.exec(request.StreamARN);
        if (match) return match[1];
    }
    return undefined;
}
