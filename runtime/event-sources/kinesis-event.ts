import type { _Record as KinesisRecord } from "@aws-sdk/client-kinesis";
import type { KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import type { Clock } from "../clock";

/**
 * The event a Kinesis event source mapping sends to its function, shaped like AWS's (with-kinesis:
 * "Example Kinesis record event"): base64 data, the arrival time in seconds as a float, and an
 * eventID of `<shardId>:<sequenceNumber>`.
 */

/** A record read from a shard, with its event form and that form's size in the invocation payload. */
export interface BufferedRecord {
    sequenceNumber: string;
    partitionKey: string;
    /** Approximate arrival in the stream, epoch milliseconds. */
    arrivalMs: number;
    eventRecord: KinesisStreamRecord;
    /** Bytes this record adds to the event's JSON (its JSON plus a comma). */
    eventBytes: number;
}

export interface EventRecordContext {
    shardId: string;
    streamArn: string;
    region: string;
    invokeIdentityArn: string;
}

/** Bytes of `{"Records":[]}` around the records. */
export const EVENT_ENVELOPE_BYTES = Buffer.byteLength(JSON.stringify({ Records: [] }));

/**
 * `readAtMs`: when the record was read (modelled time), its arrival time when the stream gave
 * none. `clock` turns the stream's wall-clock arrival into modelled time for ages; the event
 * shows the handler the stream's own timestamp, on the wall clock its `Date.now` reads.
 */
export function toBufferedRecord(record: KinesisRecord, context: EventRecordContext, readAtMs: number, clock: Pick<Clock, "fromWall" | "toWall">): BufferedRecord {
    const sequenceNumber = record.SequenceNumber ?? "";
    const partitionKey = record.PartitionKey ?? "";
    const streamArrivalMs = record.ApproximateArrivalTimestamp?.getTime();
    const arrivalMs = streamArrivalMs === undefined ? readAtMs : clock.fromWall(streamArrivalMs);
    const eventRecord: KinesisStreamRecord = {
        kinesis: {
            kinesisSchemaVersion: "1.0",
            partitionKey,
            sequenceNumber,
            data: Buffer.from(record.Data ?? new Uint8Array()).toString("base64"),
            approximateArrivalTimestamp: (streamArrivalMs ?? clock.toWall(readAtMs)) / 1000,
        },
        eventSource: "aws:kinesis",
        eventVersion: "1.0",
        eventID: `${context.shardId}:${sequenceNumber}`,
        eventName: "aws:kinesis:record",
        invokeIdentityArn: context.invokeIdentityArn,
        awsRegion: context.region,
        eventSourceARN: context.streamArn,
    };
    return { sequenceNumber, partitionKey, arrivalMs, eventRecord, eventBytes: Buffer.byteLength(JSON.stringify(eventRecord)) + 1 };
}

export function kinesisEvent(records: readonly BufferedRecord[]): KinesisStreamEvent {
    return { Records: records.map((record) => record.eventRecord) };
}
