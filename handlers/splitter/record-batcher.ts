import { AWS_LIMITS } from "../../settings/aws-limits";
import type { LineSource } from "../shared/record-envelope";

/**
 * Groups records into PutRecords requests within Kinesis' limits: at most 500 records and at most
 * 5 MiB per request, counting data and partition keys
 * (docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html).
 */
export const PUT_RECORDS_MAX_ENTRIES = AWS_LIMITS.kinesis.putRecordsMaxRecords;
export const PUT_RECORDS_MAX_BYTES = AWS_LIMITS.kinesis.putRecordsMaxBytes;

export interface PendingRecord {
    data: Buffer;
    partitionKey: string;
    /** Where the line came from, for logs and errors. */
    source: LineSource;
}

/** Bytes a record counts against the request and record limits: data plus UTF-8 partition key. */
export function recordBytes(data: Buffer, partitionKey: string): number {
    return data.length + Buffer.byteLength(partitionKey, "utf8");
}

export interface BatchLimits {
    maxEntries: number;
    maxBytes: number;
}

export interface RecordBatcher {
    /** Adds a record; returns the batch that must be sent first when this record would not fit in it. */
    add(record: PendingRecord): PendingRecord[] | undefined;
    /** True when no further record can join the current batch. */
    readonly isFull: boolean;
    /** Removes and returns whatever is pending (possibly nothing). */
    take(): PendingRecord[];
}

/**
 * A closure rather than a class: Pulumi's closure serializer drops class field initializers, so
 * code that runs inside a serialized callback keeps its state in closures.
 */
export function createRecordBatcher(limits: BatchLimits = { maxEntries: PUT_RECORDS_MAX_ENTRIES, maxBytes: PUT_RECORDS_MAX_BYTES }): RecordBatcher {
    let records: PendingRecord[] = [];
    let bytes = 0;
    const take = () => {
        const taken = records;
        records = [];
        bytes = 0;
        return taken;
    };
    return {
        add(record) {
            const size = recordBytes(record.data, record.partitionKey);
            let full: PendingRecord[] | undefined;
            if (records.length > 0 && (records.length >= limits.maxEntries || bytes + size > limits.maxBytes)) full = take();
            records.push(record);
            bytes += size;
            return full;
        },
        get isFull() {
            return records.length >= limits.maxEntries;
        },
        take,
    };
}
