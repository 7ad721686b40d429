import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { KinesisStreamEvent } from "aws-lambda";
import { realClock } from "../clock";
import { kinesisEvent, toBufferedRecord, type BufferedRecord } from "../event-sources/kinesis-event";
import type { KinesisRange } from "./redrive-target";

/**
 * The records of one shard between two sequence numbers (inclusive), read back from the stream,
 * as the event the mapping sends. Undefined when the stream no longer has the first of them
 * (trimmed: older than the stream's retention), so a redrive never sends a batch with a hole.
 */
export async function readStreamRange(kinesis: KinesisClient, range: KinesisRange, context: { region: string; invokeIdentityArn: string }): Promise<KinesisStreamEvent | undefined> {
    const streamName = range.streamArn.split("/").pop()!;
    let iterator: string | undefined;
    try {
        ({ ShardIterator: iterator } = await kinesis.send(
            new GetShardIteratorCommand({ StreamName: streamName, ShardId: range.shardId, ShardIteratorType: "AT_SEQUENCE_NUMBER", StartingSequenceNumber: range.startSequenceNumber }),
        ));
    } catch (error) {
        if ((error as Error).name === "TrimmedDataAccessException" || (error as Error).name === "ResourceNotFoundException") return undefined;
        throw error;
    }
    const end = BigInt(range.endSequenceNumber);
    const records: BufferedRecord[] = [];
    const eventContext = { shardId: range.shardId, streamArn: range.streamArn, ...context };
    while (iterator) {
        const response = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10000 }));
        for (const record of response.Records ?? []) {
            if (BigInt(record.SequenceNumber!) > end) return finish(records, range);
            records.push(toBufferedRecord(record, eventContext, Date.now(), realClock));
        }
        if (!response.Records?.length && response.MillisBehindLatest === 0) break;
        iterator = response.NextShardIterator;
    }
    return finish(records, range);
}

function finish(records: BufferedRecord[], range: KinesisRange): KinesisStreamEvent | undefined {
    if (records.length === 0 || records[0].sequenceNumber !== range.startSequenceNumber) return undefined;
    return kinesisEvent(records);
}

/** One line (1-based, without its newline) of an object, or undefined when the object or line is gone. */
export async function readObjectLine(s3: S3Client, bucket: string, key: string, line: number): Promise<Buffer | undefined> {
    let body: Buffer;
    try {
        const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        body = Buffer.from(await response.Body!.transformToByteArray());
    } catch {
        return undefined;
    }
    let start = 0;
    for (let current = 1; current < line; current++) {
        const next = body.indexOf(0x0a, start);
        if (next === -1) return undefined;
        start = next + 1;
    }
    const end = body.indexOf(0x0a, start);
    let bytes = body.subarray(start, end === -1 ? body.length : end);
    if (bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    return Buffer.from(bytes);
}
