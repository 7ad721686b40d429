import type { S3Client } from "@aws-sdk/client-s3";
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import { decodeRecord } from "../../handlers/shared/record-envelope";
import { decodeS3EventKey } from "../../handlers/splitter/s3-event-key";
import { isDeadLetterMessage, type DeadLetterMessage } from "../../handlers/shared/dead-letter";
import type { ExpectedOutput } from "./expected-output";
import { sourceLinesOfEvent } from "../dead-letters/failure-bucket";
import { checkObjects, type ObjectCheck } from "./verify-objects";

/**
 * Reads the output bucket and the dead-letter messages back and reconciles them with what the
 * input file requires: every valid line has exactly one object whose body equals the line, and
 * every line is either written or dead-lettered with a reason. The bucket is checked from its
 * listing's ETags where they are MD5s, and by reading bodies elsewhere (verify-objects.ts).
 */
export interface Verification {
    verified: boolean;
    /** Expected objects found in the bucket with their exact bytes. */
    objectsWritten: number;
    /** How many objects were judged from the listing (size, ETag) and how many by reading their body. */
    judgedBy: ObjectCheck["judgedBy"];
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

/** Line number → reason, from the line-level dead letters of this source object. */
function lineDeadLetters(messages: DeadLetterMessage[], sourceKey: string, problems: string[]): Map<number, string> {
    const deadLettered = new Map<number, string>();
    for (const message of messages) {
        if (message.source?.key !== sourceKey) continue;
        // At-least-once delivery (a batch retried after a crash, or delivered twice) may dead-letter a
        // line again; the same line with the same reason is one dead letter. A different reason is not.
        const earlier = deadLettered.get(message.source.line);
        if (earlier !== undefined && earlier !== message.reason) {
            problems.push(`line ${message.source.line} was dead-lettered as both ${earlier} and ${message.reason}`);
        }
        deadLettered.set(message.source.line, message.reason);
    }
    return deadLettered;
}

/** Adds the lines of the batches the mapping gave up on that were not written after all, as `batch-<condition>`. */
async function addBatchDeadLetters(options: VerifyOptions, batches: BatchFailure[], deadLettered: Map<number, string>, writtenLines: Set<number>): Promise<void> {
    for (const batch of batches) {
        // With an S3 on-failure destination the batch's own records were kept; otherwise its range is read back from the stream.
        const lines = batch.sourceLines
            ? batch.sourceLines.filter((source) => source.key === options.sourceKey).map((source) => source.line)
            : await linesOfBatch(options.kinesis, options.streamName, batch, options.sourceKey);
        for (const line of lines) {
            // A line whose object is in the bucket was written, by its own lane or a later retry.
            if (!deadLettered.has(line) && !writtenLines.has(line)) deadLettered.set(line, `batch-${batch.condition}`);
        }
    }
}

/**
 * Invalid lines dead-lettered for another reason than the contract gives them; a batch the
 * mapping gave up on (a `batch-*` reason) carries no reason of its own.
 */
function wrongReasons(expected: ExpectedOutput, deadLettered: Map<number, string>): Array<[number, string]> {
    return [...expected.deadLetters].filter(([line, reason]) => {
        const actual = deadLettered.get(line);
        return actual !== undefined && actual !== reason && !actual.startsWith("batch-");
    });
}

function describeProblems(verification: Verification, expected: ExpectedOutput, wrong: Array<[number, string]>): string[] {
    const { missing, mismatched, unexpected, notDeadLettered, validLinesDeadLettered, deadLettered } = verification;
    const problems: string[] = [];
    if (expected.unreadable) problems.push(`the input can't be read to its end: ${expected.unreadable}`);
    if (missing.length) problems.push(`${missing.length} expected object(s) missing, e.g. ${missing.slice(0, 3).join(", ")}`);
    if (mismatched.length) problems.push(`${mismatched.length} object(s) differ from their line, e.g. ${mismatched.slice(0, 3).join(", ")}`);
    if (unexpected.length) problems.push(`${unexpected.length} object(s) no line asks for, e.g. ${unexpected.slice(0, 3).join(", ")}`);
    if (notDeadLettered.length) problems.push(`${notDeadLettered.length} invalid line(s) not dead-lettered, e.g. lines ${notDeadLettered.slice(0, 5).join(", ")}`);
    if (wrong.length) {
        const [line, reason] = wrong[0];
        problems.push(`${wrong.length} line(s) dead-lettered for another reason than expected, e.g. line ${line}: ${deadLettered.get(line)} instead of ${reason}`);
    }
    if (validLinesDeadLettered.length) problems.push(`${validLinesDeadLettered.length} valid line(s) dead-lettered instead of written`);
    if (verification.accounted !== expected.records) problems.push(`accounted for ${verification.accounted} of ${expected.records} lines`);
    return problems;
}

export interface VerifyOptions {
    s3: S3Client;
    kinesis: KinesisClient;
    outputBucket: string;
    streamName: string;
    sourceKey: string;
    expected: ExpectedOutput;
    /** The dead-letter queue's contents, or their read still under way (it overlaps the bucket's check). */
    deadLetters: DeadLetterContents | Promise<DeadLetterContents>;
    /** Bodies read at once where an ETag is not the MD5 of the body (default 64). */
    concurrency?: number;
}

export async function verifyOutput(options: VerifyOptions): Promise<Verification> {
    const { expected } = options;
    const [objects, deadLetters] = await Promise.all([checkObjects(options.s3, options.outputBucket, expected.objects, options.concurrency), options.deadLetters]);
    const problems: string[] = [];
    const deadLettered = lineDeadLetters(deadLetters.lines, options.sourceKey, problems);
    const writtenLines = new Set(objects.proven.map((key) => expected.objects.get(key)!.line));
    await addBatchDeadLetters(options, deadLetters.batches, deadLettered, writtenLines);
    for (const failed of deadLetters.failedObjects) {
        if (failed.key === options.sourceKey) problems.push(`the splitter gave up on s3://${failed.bucket}/${failed.key} after its retries`);
    }
    const validLines = new Set([...expected.objects.values()].map((object) => object.line));
    const accountedLines = new Set<number>([...deadLettered.keys(), ...writtenLines, ...expected.superseded.map((superseded) => superseded.line)]);
    const verification: Verification = {
        verified: false,
        objectsWritten: objects.proven.length,
        judgedBy: objects.judgedBy,
        mismatched: objects.mismatched,
        missing: objects.missing,
        unexpected: objects.unexpected,
        deadLettered,
        notDeadLettered: [...expected.deadLetters.keys()].filter((line) => !deadLettered.has(line)),
        validLinesDeadLettered: [...deadLettered.keys()].filter((line) => validLines.has(line)),
        accounted: accountedLines.size,
        problems,
    };
    problems.push(...describeProblems(verification, expected, wrongReasons(expected, deadLettered)));
    verification.verified = problems.length === 0;
    return verification;
}
