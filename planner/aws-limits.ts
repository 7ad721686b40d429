/**
 * The AWS limits the planner's arithmetic uses, in one place, with where each comes from, and the
 * record sizes derived from them. No Pulumi import and no I/O: everything here is plain numbers.
 *
 * Sources: docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html,
 * docs.aws.amazon.com/lambda/latest/dg/services-kinesis-parameters.html and the Kinesis pricing page
 * (PUT payload units, on-demand rounding); see /work/shared/field-notes.md.
 */
import { LAMBDA_PAYLOAD_MAX_BYTES } from "../settings/parse";

const MiB = 1024 * 1024;

export const AWS_LIMITS = Object.freeze({
    /** Writes per shard: 1 MiB/s or 1,000 records/s, whichever comes first. */
    shardWriteBytesPerSecond: 1 * MiB,
    shardWriteRecordsPerSecond: 1000,
    /** Reads per shard (shared by standard consumers): 2 MiB/s and 5 GetRecords calls/s. */
    shardReadBytesPerSecond: 2 * MiB,
    shardGetRecordsCallsPerSecond: 5,
    /** PutRecords: at most 500 records and 5 MiB (partition keys included) per request. */
    putRecordsMaxRecords: 500,
    putRecordsMaxBytes: 5 * MiB,
    /** One Lambda invocation carries at most 6 MB of payload, which caps a batch. */
    lambdaPayloadMaxBytes: LAMBDA_PAYLOAD_MAX_BYTES,
    /** Default concurrent executions per account and region. */
    lambdaConcurrency: 1000,
    /** Kinesis bills PUT payload units in 25 KB (25 × 1,024 bytes) chunks of a record. */
    putPayloadUnitBytes: 25 * 1024,
    /** On-demand data in and out is billed per record rounded up to 1 KB (1,024 bytes). */
    onDemandRoundingBytes: 1024,
});

/**
 * Bytes the record envelope's JSON header adds in front of a line (handlers/shared/record-envelope.ts).
 * It depends on bucket and key names; 80 bytes is the estimate parse.ts uses for seed-sized lines.
 */
export const ENVELOPE_HEADER_BYTES_ESTIMATE = 80;
/** Bytes of a Kinesis record's JSON fields in a Lambda event besides its base64 data (as parse.ts). */
export const EVENT_RECORD_FIELDS_BYTES = 450;
/** A partition key's bytes: an id or a 32-character MD5 hex string. */
export const PARTITION_KEY_BYTES_ESTIMATE = 32;

/** Bytes of one Kinesis record holding a line of `lineBytes`: envelope header plus the line. */
export function kinesisRecordBytes(lineBytes: number): number {
    return lineBytes + ENVELOPE_HEADER_BYTES_ESTIMATE;
}

/** Bytes one record takes in the writer's invocation payload: base64 data plus the event's fields. */
export function eventRecordBytes(lineBytes: number): number {
    return Math.ceil((kinesisRecordBytes(lineBytes) * 4) / 3) + EVENT_RECORD_FIELDS_BYTES;
}

/** Records of this size that fit in one invocation (Lambda's 6 MB payload), at least 1. */
export function recordsPerPayload(lineBytes: number): number {
    return Math.max(1, Math.floor(AWS_LIMITS.lambdaPayloadMaxBytes / eventRecordBytes(lineBytes)));
}

/** PUT payload units of one record: its bytes in 25 KB chunks, rounded up (a 5 KB record is 1, 45 KB is 2). */
export function putPayloadUnits(recordBytes: number): number {
    return Math.max(1, Math.ceil(recordBytes / AWS_LIMITS.putPayloadUnitBytes));
}
