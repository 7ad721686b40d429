import { createHash } from "node:crypto";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import pLimit from "p-limit";
import { decodeRecord } from "../../handlers/shared/record-envelope";
import { decodeS3EventKey } from "../../handlers/splitter/s3-event-key";
import { isDeadLetterMessage, type DeadLetterMessage } from "../../handlers/shared/dead-letter";
import type { ExpectedOutput } from "./expected-output";
import { sourceLinesOfEvent } from "../dead-letters/failure-bucket";

/**
 * Reads the output bucket and the dead-letter messages back and reconciles them with what the
 * input file requires: every valid line has exactly one object whose body equals the line, and
 * every line is either written or dead-lettered with a reason.
 */
export interface Verification {
    verified: boolean;
    objectsWritten: number;
    /** Expected objects whose body differs from their line. */
    mismatched: string[];
    /** Expected objects that are not in the bucket. */
    missing: string[];
    /** Objects in the bucket that no line asks for. */
    unexpected: string[];
    /** Line numbers dead-lettered, with the reason given. */
    deadLettered: Map<number, string>;
    /** Lines that must be dead-lettered but were not. */
    notDeadLettered: number[];
    /** Valid lines that were dead-lettered instead of written. */
    validLinesDeadLettered: number[];
    accounted: number;
    problems: string[];
}

export interface BatchFailure {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    condition: string;
    /** The batch's own lines, when the on-failure record kept its payload (an S3 destination). */
    sourceLines?: Array<{ key: string; line: number }>;
}

export interface DeadLetterContents {
    lines: DeadLetterMessage[];
    batches: BatchFailure[];
    /** Async invocations of the splitter that failed for good (the object was not split). */
    failedObjects: Array<{ bucket: string; key: string }>;
    other: number;
}

/** Sorts the dead-letter queue's messages into line-level, batch-level and invocation-level failures. */
export function classifyDeadLetters(bodies: string[]): DeadLetterContents {
    const contents: DeadLetterContents = { lines: [], batches: [], failedObjects: [], other: 0 };
    for (const body of bodies) {
        let message: any;
        try {
            message = JSON.parse(body);
        } catch {
            contents.other++;
            continue;
        }
        if (isDeadLetterMessage(message)) contents.lines.push(message);
        else if (message?.KinesisBatchInfo) {
            const info = message.KinesisBatchInfo;
            contents.batches.push({
                shardId: info.shardId,
                startSequenceNumber: info.startSequenceNumber,
                endSequenceNumber: info.endSequenceNumber,
                condition: message.requestContext?.condition ?? "unknown",
                ...(Array.isArray(message.payload?.Records) ? { sourceLines: sourceLinesOfEvent(message.payload) } : {}),
            });
        } else if (message?.requestPayload?.Records) {
            for (const record of message.requestPayload.Records) {
                contents.failedObjects.push({
                    bucket: record.s3.bucket.name,
                    key: decodeS3EventKey(String(record.s3.object.key)),
                });
            }
        } else contents.other++;
    }
    return contents;
}

/**
 * The source lines of a batch the event source mapping gave up on: the records of this source
 * object between its start and end sequence numbers, read back from the stream while it still
 * keeps them. With ParallelizationFactor above 1 the range also spans other lanes' records, which
 * the caller tells apart by whether their objects were written. GetRecords may return nothing
 * before the end of a shard, so reading stops only past the end sequence number or once the
 * shard is caught up (MillisBehindLatest 0).
 */
export async function linesOfBatch(kinesis: KinesisClient, streamName: string, batch: BatchFailure, sourceKey: string): Promise<number[]> {
    const lines: number[] = [];
    const end = BigInt(batch.endSequenceNumber);
    let { ShardIterator: iterator } = await kinesis.send(
        new GetShardIteratorCommand({
            StreamName: streamName,
            ShardId: batch.shardId,
            ShardIteratorType: "AT_SEQUENCE_NUMBER",
            StartingSequenceNumber: batch.startSequenceNumber,
        }),
    );
    while (iterator) {
        const response = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10000 }));
        for (const record of response.Records ?? []) {
            if (BigInt(record.SequenceNumber!) > end) return lines;
            try {
                const { source } = decodeRecord(Buffer.from(record.Data!));
                if (source.key === sourceKey) lines.push(source.line);
            } catch {
                // A record this project did not write; it carries no line.
            }
        }
        if (!response.Records?.length && response.MillisBehindLatest === 0) return lines;
        iterator = response.NextShardIterator;
    }
    return lines;
}

async function listKeys(s3: S3Client, bucket: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        for (const object of page.Contents ?? []) keys.push(object.Key!);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
}

async function bodyDigest(s3: S3Client, bucket: string, key: string): Promise<{ md5: string; bytes: number }> {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = Buffer.from(await response.Body!.transformToByteArray());
    return { md5: createHash("md5").update(body).digest("hex"), bytes: body.length };
}

export async function verifyOutput(options: {
    s3: S3Client;
    kinesis: KinesisClient;
    outputBucket: string;
    streamName: string;
    sourceKey: string;
    expected: ExpectedOutput;
    deadLetters: DeadLetterContents;
    concurrency?: number;
}): Promise<Verification> {
    const { s3, expected } = options;
    const limit = pLimit(options.concurrency ?? 64);
    const keys = await listKeys(s3, options.outputBucket);
    const present = new Set(keys);
    const mismatched: string[] = [];
    const missing: string[] = [];
    await Promise.all(
        [...expected.objects].map(([key, object]) =>
            limit(async () => {
                if (!present.has(key)) return missing.push(key);
                const actual = await bodyDigest(s3, options.outputBucket, key);
                if (actual.md5 !== object.md5 || actual.bytes !== object.bytes) mismatched.push(key);
            }),
        ),
    );
    const unexpected = keys.filter((key) => !expected.objects.has(key));

    const deadLettered = new Map<number, string>();
    const problems: string[] = [];
    for (const message of options.deadLetters.lines) {
        if (message.source?.key !== options.sourceKey) continue;
        // At-least-once delivery (a batch retried after a crash, or delivered twice) may dead-letter a
        // line again; the same line with the same reason is one dead letter. A different reason is not.
        const earlier = deadLettered.get(message.source.line);
        if (earlier !== undefined && earlier !== message.reason) {
            problems.push(`line ${message.source.line} was dead-lettered as both ${earlier} and ${message.reason}`);
        }
        deadLettered.set(message.source.line, message.reason);
    }
    const badKeys = new Set([...missing, ...mismatched]);
    const writtenLines = new Set([...expected.objects].filter(([key]) => !badKeys.has(key)).map(([, object]) => object.line));
    for (const batch of options.deadLetters.batches) {
        const lines = batch.sourceLines
            ? batch.sourceLines.filter((source) => source.key === options.sourceKey).map((source) => source.line)
            : await linesOfBatch(options.kinesis, options.streamName, batch, options.sourceKey);
        for (const line of lines) {
            // A line whose object is in the bucket was written, by its own lane or a later retry.
            if (!deadLettered.has(line) && !writtenLines.has(line)) deadLettered.set(line, `batch-${batch.condition}`);
        }
    }
    // Each invalid line must be dead-lettered for the reason the contract gives it; a batch the
    // mapping gave up on (a `batch-*` reason) carries no reason of its own.
    const wrongReasons = [...expected.deadLetters].filter(([line, reason]) => {
        const actual = deadLettered.get(line);
        return actual !== undefined && actual !== reason && !actual.startsWith("batch-");
    });
    for (const failed of options.deadLetters.failedObjects) {
        if (failed.key === options.sourceKey) problems.push(`the splitter gave up on s3://${failed.bucket}/${failed.key} after its retries`);
    }
    const notDeadLettered = [...expected.deadLetters.keys()].filter((line) => !deadLettered.has(line));
    const validLines = new Set([...expected.objects.values()].map((object) => object.line));
    const validLinesDeadLettered = [...deadLettered.keys()].filter((line) => validLines.has(line));
    const accountedLines = new Set<number>(deadLettered.keys());
    for (const [key, object] of expected.objects) if (!badKeys.has(key)) accountedLines.add(object.line);
    for (const superseded of expected.superseded) accountedLines.add(superseded.line);
    const objectsWritten = expected.objects.size - badKeys.size;
    const accounted = accountedLines.size;

    if (expected.unreadable) problems.push(`the input can't be read to its end: ${expected.unreadable}`);
    if (missing.length) problems.push(`${missing.length} expected object(s) missing, e.g. ${missing.slice(0, 3).join(", ")}`);
    if (mismatched.length) problems.push(`${mismatched.length} object(s) differ from their line, e.g. ${mismatched.slice(0, 3).join(", ")}`);
    if (unexpected.length) problems.push(`${unexpected.length} object(s) no line asks for, e.g. ${unexpected.slice(0, 3).join(", ")}`);
    if (notDeadLettered.length) problems.push(`${notDeadLettered.length} invalid line(s) not dead-lettered, e.g. lines ${notDeadLettered.slice(0, 5).join(", ")}`);
    if (wrongReasons.length) {
        const [line, reason] = wrongReasons[0];
        problems.push(`${wrongReasons.length} line(s) dead-lettered for another reason than expected, e.g. line ${line}: ${deadLettered.get(line)} instead of ${reason}`);
    }
    if (validLinesDeadLettered.length) problems.push(`${validLinesDeadLettered.length} valid line(s) dead-lettered instead of written`);
    if (accounted !== expected.records) problems.push(`accounted for ${accounted} of ${expected.records} lines`);
    return {
        verified: problems.length === 0,
        objectsWritten,
        mismatched,
        missing,
        unexpected,
        deadLettered,
        notDeadLettered,
        validLinesDeadLettered,
        accounted,
        problems,
    };
}
