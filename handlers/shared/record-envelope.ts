/**
 * The bytes of one Kinesis record: a one-line JSON header that says where the line came from,
 * a newline, then the line's own bytes, untouched. The writer stores those bytes as the object
 * body, so output is byte-exact, and every failure can be traced to a source line.
 *
 * Kinesis counts data plus partition key against its 1 MiB (1,048,576 bytes) record limit.
 */
import { AWS_LIMITS } from "../../settings/aws-limits";

export const KINESIS_RECORD_MAX_BYTES = AWS_LIMITS.kinesis.recordMaxBytes;

export interface LineSource {
    bucket: string;
    key: string;
    /** 1-based line number in the source object. */
    line: number;
    /** ETag of the source object version that was read. */
    etag?: string;
}

const NEWLINE = 0x0a;

export function encodeRecord(source: LineSource, line: Buffer): Buffer {
    const header: Record<string, unknown> = { v: 1, bucket: source.bucket, key: source.key, line: source.line };
    if (source.etag) header.etag = source.etag;
    return Buffer.concat([Buffer.from(JSON.stringify(header) + "\n", "utf8"), line]);
}

/** Header bytes `encodeRecord` adds in front of a line from this source. */
export function envelopeOverhead(source: LineSource): number {
    return encodeRecord(source, Buffer.alloc(0)).length;
}

export interface DecodedRecord {
    source: LineSource;
    body: Buffer;
}

/** Decodes a record; throws when the bytes are not an envelope this project wrote. */
export function decodeRecord(data: Buffer): DecodedRecord {
    const newline = data.indexOf(NEWLINE);
    if (newline < 0) throw new Error("record has no envelope header");
    const header = JSON.parse(data.subarray(0, newline).toString("utf8")) as Record<string, unknown>;
    if (header.v !== 1 || typeof header.bucket !== "string" || typeof header.key !== "string" || typeof header.line !== "number") {
        throw new Error("record envelope header is not version 1");
    }
    const source: LineSource = { bucket: header.bucket, key: header.key, line: header.line };
    if (typeof header.etag === "string") source.etag = header.etag;
    return { source, body: data.subarray(newline + 1) };
}
