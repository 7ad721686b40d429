/**
 * The sizes of one record on its way through the pipeline, estimated from a line's size, and how
 * many fit in one writer invocation. The settings' warnings and the planner use the same figures.
 * No Pulumi import and no I/O: everything here is plain numbers.
 */
import { AWS_LIMITS } from "./aws-limits";

/**
 * Bytes the record envelope's JSON header adds in front of a line (handlers/shared/record-envelope.ts).
 * It depends on bucket and key names; 80 bytes is the estimate for seed-sized lines.
 */
export const ENVELOPE_HEADER_BYTES_ESTIMATE = 80;
/** Bytes of a Kinesis record's JSON fields in a Lambda event besides its base64 data. */
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
    return Math.max(1, Math.floor(AWS_LIMITS.lambda.eventPayloadMaxBytes / eventRecordBytes(lineBytes)));
}

/** PUT payload units of one record: its bytes in 25 KB chunks, rounded up (a 5 KB record is 1, 45 KB is 2). */
export function putPayloadUnits(recordBytes: number): number {
    return Math.max(1, Math.ceil(recordBytes / AWS_LIMITS.kinesis.putPayloadUnitBytes));
}
