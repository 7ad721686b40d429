import type { ResolvedAwsProfileOptions } from "./options";
import { TokenBucket } from "./token-bucket";

interface ShardBuckets {
    writeBytes: TokenBucket;
    writeRecords: TokenBucket;
    readBytes: TokenBucket;
    readCalls: TokenBucket;
}

/**
 * The per-shard limits of a provisioned stream, one set of buckets per shard:
 * - writes: `shardWriteBytesPerSecond` (data + partition key) and `shardWriteRecordsPerSecond`;
 * - reads: `shardGetRecordsPerSecond` calls, and `shardReadBytesPerSecond` of returned data.
 *
 * Reads are charged after the fact, as on AWS: a GetRecords call that returned a lot puts the
 * shard's read bytes into debt, and further calls are refused until the debt is paid back
 * (AWS: "if a call returns 10 MiB, subsequent calls made within the next 5 seconds throw").
 */
export class ShardLimits {
    private readonly shards = new Map<string, ShardBuckets>();

    constructor(
        private readonly options: ResolvedAwsProfileOptions,
        private readonly clock: () => number,
    ) {}

    /** Takes one record of `bytes` from the shard's write limits, or returns false and takes nothing. */
    tryWrite(shardKey: string, bytes: number): boolean {
        const buckets = this.buckets(shardKey);
        if (!buckets.writeRecords.canTake(1) || !buckets.writeBytes.canTake(bytes)) return false;
        buckets.writeRecords.take(1);
        buckets.writeBytes.take(bytes);
        return true;
    }

    /** Takes one GetRecords call, or returns false when the shard is over its call rate or in read-bytes debt. */
    tryRead(shardKey: string): boolean {
        const buckets = this.buckets(shardKey);
        if (buckets.readBytes.available() <= 0 || !buckets.readCalls.canTake(1)) return false;
        buckets.readCalls.take(1);
        return true;
    }

    /** Charges the bytes a GetRecords call returned. */
    chargeRead(shardKey: string, bytes: number): void {
        this.buckets(shardKey).readBytes.take(bytes);
    }

    private buckets(shardKey: string): ShardBuckets {
        let buckets = this.shards.get(shardKey);
        if (!buckets) {
            const { shardWriteBytesPerSecond, shardWriteRecordsPerSecond, shardReadBytesPerSecond, shardGetRecordsPerSecond } = this.options;
            buckets = {
                writeBytes: new TokenBucket(shardWriteBytesPerSecond, this.clock),
                writeRecords: new TokenBucket(shardWriteRecordsPerSecond, this.clock),
                readBytes: new TokenBucket(shardReadBytesPerSecond, this.clock),
                readCalls: new TokenBucket(shardGetRecordsPerSecond, this.clock),
            };
            this.shards.set(shardKey, buckets);
        }
        return buckets;
    }
}

export function shardKeyOf(streamName: string, shardId: string): string {
    return `${streamName}/${shardId}`;
}
