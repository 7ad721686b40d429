import { rateExceededMessage, THROUGHPUT_EXCEEDED } from "./kinesis-responses";

/** A PutRecords request entry as it is on the wire (JSON 1.1: Data is base64). */
export interface WireEntry {
    Data: string;
    PartitionKey: string;
    ExplicitHashKey?: string;
}

export interface WireResultEntry {
    SequenceNumber?: string;
    ShardId?: string;
    ErrorCode?: string;
    ErrorMessage?: string;
}

export interface WirePutRecordsOutput {
    FailedRecordCount?: number;
    Records?: WireResultEntry[];
    EncryptionType?: string;
}

export function isWireEntry(value: unknown): value is WireEntry {
    const entry = value as WireEntry;
    return typeof entry === "object" && entry !== null && typeof entry.Data === "string" && typeof entry.PartitionKey === "string";
}

/** What a record counts against a shard's write limit: its data plus its partition key, as AWS counts it. */
export function recordBytes(entry: WireEntry): number {
    return Buffer.byteLength(entry.Data, "base64") + Buffer.byteLength(entry.PartitionKey, "utf8");
}

export function throttledEntry(streamName: string, shardId: string): WireResultEntry {
    return { ErrorCode: THROUGHPUT_EXCEEDED, ErrorMessage: rateExceededMessage(streamName, shardId) };
}

/**
 * Puts the throttled entries back in their original positions among the upstream's results for
 * the forwarded entries (which are in the forwarded order), and counts every failure.
 * `throttled[i]` is set for each entry i the proxy kept back.
 */
export function mergePutRecordsResults(
    throttled: readonly (WireResultEntry | undefined)[],
    total: number,
    upstream: WirePutRecordsOutput,
): WirePutRecordsOutput {
    const forwarded = upstream.Records ?? [];
    const records: WireResultEntry[] = [];
    let next = 0;
    for (let i = 0; i < total; i++) {
        const kept = throttled[i];
        if (kept) {
            records.push(kept);
            continue;
        }
        const result = forwarded[next++];
        if (!result) throw new Error(`the upstream PutRecords returned ${forwarded.length} results for ${next} forwarded entries`);
        records.push(result);
    }
    if (next !== forwarded.length) {
        throw new Error(`the upstream PutRecords returned ${forwarded.length} results for ${next} forwarded entries`);
    }
    const merged: WirePutRecordsOutput = { FailedRecordCount: records.filter((record) => record.ErrorCode).length, Records: records };
    if (upstream.EncryptionType !== undefined) merged.EncryptionType = upstream.EncryptionType;
    return merged;
}
