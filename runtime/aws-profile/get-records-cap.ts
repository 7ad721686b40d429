import { GetShardIteratorCommand, KinesisClient } from "@aws-sdk/client-kinesis";
import { AWS_LIMITS } from "../../settings/aws-limits";
import { isWireEntry, recordBytes, type WireEntry } from "./put-records";
import { upstreamKinesisClient } from "./upstream-kinesis-client";

/**
 * GetRecords' size cap, which the stand-in doesn't enforce: "each call to GetRecords can return up to
 * 10 MiB of data" (Kinesis Data Streams quotas and limits). A response over the cap keeps its first
 * records up to 10 MiB (at least one), and its NextShardIterator is replaced by an iterator after the
 * last record kept (taken from the upstream directly, so it costs no latency and no call limit). A
 * backlog of 2 KiB records then comes back 10 MiB at a time, and the shard's read debt after such a
 * call is 5 s, as AWS's text says ("if a call returns 10 MiB, subsequent calls made within the next 5
 * seconds throw an exception").
 */
export interface WireGetRecordsOutput {
    Records?: WireEntry[];
    NextShardIterator?: string;
    [field: string]: unknown;
}

/** How many of the records, from the first, fit in `maxBytes` (data plus partition key); at least one. */
export function recordsWithinCap(records: readonly WireEntry[], maxBytes: number): number {
    let bytes = 0;
    for (let index = 0; index < records.length; index++) {
        bytes += isWireEntry(records[index]) ? recordBytes(records[index]) : 0;
        if (bytes > maxBytes) return Math.max(index, 1);
    }
    return records.length;
}

export class GetRecordsCap {
    private readonly client: KinesisClient;

    constructor(
        upstreamEndpoint: string,
        private readonly maxBytes: number = AWS_LIMITS.kinesis.getRecordsMaxBytes,
    ) {
        this.client = upstreamKinesisClient(upstreamEndpoint);
    }

    /** The output cut to the cap, or undefined when it is within it already. */
    async cut(streamName: string, shardId: string, output: WireGetRecordsOutput): Promise<WireGetRecordsOutput | undefined> {
        const records = output.Records ?? [];
        const kept = recordsWithinCap(records, this.maxBytes);
        if (kept === records.length) return undefined;
        const last = records[kept - 1] as WireEntry & { SequenceNumber?: string };
        const { ShardIterator } = await this.client.send(
            new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber: last.SequenceNumber }),
        );
        return { ...output, Records: records.slice(0, kept), NextShardIterator: ShardIterator };
    }

    close(): void {
        this.client.destroy();
    }
}
