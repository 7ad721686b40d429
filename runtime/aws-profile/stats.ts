/**
 * What the proxy counted, for the compare table. Bytes are wire bytes of bodies unless the name
 * says otherwise.
 */
export interface AwsProfileStats {
    kinesis: {
        /** Calls per operation (PutRecords, GetRecords, ...), throttled ones included. */
        calls: Record<string, number>;
        /** Entries in PutRecords and PutRecord calls. */
        putEntries: number;
        /** Entries refused by a shard's write limit (PutRecords entries plus refused PutRecord calls). */
        throttledPutEntries: number;
        /** GetRecords calls refused by a shard's read limits. */
        throttledGetRecordsCalls: number;
        /** GetRecords calls with an iterator the proxy never handed out; these go through unlimited. */
        untrackedGetRecordsCalls: number;
        /** Data plus partition key bytes of entries forwarded to the stream. */
        writtenRecordBytes: number;
        /** Data plus partition key bytes GetRecords returned. */
        readRecordBytes: number;
        requestBytes: number;
        responseBytes: number;
    };
    s3: {
        /** Calls per operation (PutObject, GetObject, HeadObject, ...). */
        calls: Record<string, number>;
        /** Writes answered 503 SlowDown: over their prefix's request rate. */
        slowDowns?: number;
        requestBytes: number;
        responseBytes: number;
    };
    /** Milliseconds of delay the proxy added, summed over all calls. */
    addedDelayMs: number;
}

export function emptyStats(): AwsProfileStats {
    return {
        kinesis: {
            calls: {},
            putEntries: 0,
            throttledPutEntries: 0,
            throttledGetRecordsCalls: 0,
            untrackedGetRecordsCalls: 0,
            writtenRecordBytes: 0,
            readRecordBytes: 0,
            requestBytes: 0,
            responseBytes: 0,
        },
        s3: { calls: {}, slowDowns: 0, requestBytes: 0, responseBytes: 0 },
        addedDelayMs: 0,
    };
}

export function countCall(calls: Record<string, number>, operation: string): void {
    calls[operation] = (calls[operation] ?? 0) + 1;
}

export function copyStats(stats: AwsProfileStats): AwsProfileStats {
    return {
        kinesis: { ...stats.kinesis, calls: { ...stats.kinesis.calls } },
        s3: { ...stats.s3, calls: { ...stats.s3.calls } },
        addedDelayMs: stats.addedDelayMs,
    };
}
