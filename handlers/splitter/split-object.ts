import type { S3Client } from "@aws-sdk/client-s3";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { LambdaClient } from "@aws-sdk/client-lambda";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Logger } from "@aws-lambda-powertools/logger";
import { DeadLetterReason, deadLetterBody, deadLetterMessage } from "../shared/dead-letter";
import { parseJsonKeepingLargeIntegers } from "../shared/exact-id";
import { partitionKeyFor } from "../shared/partition-key";
import { encodeRecord, envelopeOverhead, KINESIS_RECORD_MAX_BYTES, type LineSource } from "../shared/record-envelope";
import type { SplitterConfig } from "./config";
import { CONTINUATION_TYPE, type HandOffClock, type SplitCheckpoint } from "./continuation";
import { putRecordsWithRetry, type RetryPolicy } from "./put-records";
import { openSourceObject } from "./read-object";
import { createRecordBatcher, recordBytes, type PendingRecord } from "./record-batcher";
import { isBlankLine, splitLines, type SourceLine } from "./line-splitter";

/**
 * Splits one S3 object into Kinesis records, one per non-blank line, in order, from its start or
 * from a checkpoint, until the end or until the invocation's time runs short.
 *
 * Reads are pinned to one ETag (If-Match) and streamed: memory holds one line and one PutRecords
 * batch, never the file. A line too large for a Kinesis record goes to the dead-letter queue and
 * the rest of the file goes on.
 *
 * Hand-off: before each line, the clock is asked whether time is short. If so, the pending batch
 * (every line before this one) is sent and acknowledged first, then the checkpoint of this line
 * (its byte offset and number) is handed off, and this invocation stops reading. So no line is
 * skipped, and none is sent by two invocations.
 */
export interface SplitterDeps {
    s3: S3Client;
    kinesis: KinesisClient;
    sqs: SQSClient;
    /** For the asynchronous self-invoke that continues a file; needed only when time runs short. */
    lambda?: LambdaClient;
    config: SplitterConfig;
    logger: Logger;
    retryPolicy?: RetryPolicy;
}

export interface ObjectRef {
    bucket: string;
    /** The decoded key. */
    key: string;
    /** ETag from the event or the checkpoint, without quotes. */
    eTag?: string;
    /** The upload's chain id (the S3 event's sequencer), carried along the checkpoints. */
    chain?: string;
}

/** Where a continuation starts: the next line's byte offset and number (line > 1). */
export interface ResumePoint {
    offset: number;
    line: number;
    gzip: boolean;
}

/** How an invocation decides to stop, and how it passes the rest on. */
export interface SplitControl {
    clock: HandOffClock;
    /** Which invocation of the chain this is (1 for the S3 event's). */
    invocation: number;
    handOff(checkpoint: SplitCheckpoint): Promise<void>;
    /** An earlier attempt of this same request handed off here: hand off at this line again, whatever the clock says. */
    handOffAt?: { line: number };
}

/**
 * split: read to the end; missing: deleted before it was read; replaced: its ETag no longer
 * matches; handed-off: the rest goes on in the invocation `continuation` started.
 */
export type ObjectStatus = "split" | "missing" | "replaced" | "handed-off";

export interface ObjectSummary {
    bucket: string;
    key: string;
    status: ObjectStatus;
    gzip: boolean;
    /** Number of the first line this invocation read. */
    firstLine: number;
    /** Physical lines read by this invocation: recordsPut + blankLines + deadLettered. */
    lines: number;
    recordsPut: number;
    blankLines: number;
    deadLettered: number;
    putRequests: number;
    retriedEntries: number;
    /** The checkpoint handed off, when status is handed-off. */
    continuation?: SplitCheckpoint;
}

export function emptySummary(ref: ObjectRef, firstLine: number): ObjectSummary {
    return {
        bucket: ref.bucket,
        key: ref.key,
        status: "split",
        gzip: false,
        firstLine,
        lines: 0,
        recordsPut: 0,
        blankLines: 0,
        deadLettered: 0,
        putRequests: 0,
        retriedEntries: 0,
    };
}

export function checkpointFor(ref: ObjectRef, next: { offset: number; line: number; gzip: boolean }, invocation: number): SplitCheckpoint {
    const checkpoint: SplitCheckpoint = { type: CONTINUATION_TYPE, version: 1, bucket: ref.bucket, key: ref.key, offset: next.offset, line: next.line, gzip: next.gzip, invocation };
    if (ref.eTag) checkpoint.eTag = ref.eTag;
    if (ref.chain) checkpoint.chain = ref.chain;
    return checkpoint;
}

export async function splitObject(ref: ObjectRef, deps: SplitterDeps, control: SplitControl, resume?: ResumePoint): Promise<ObjectSummary> {
    const { kinesis, config, logger } = deps;
    const firstLine = resume?.line ?? 1;
    const summary = emptySummary(ref, firstLine);

    const opened = await openSourceObject(deps.s3, ref, { offset: resume?.offset ?? 0, gzip: resume?.gzip ?? false });
    if (opened.status !== "open") {
        if (opened.status === "past-end") return summary;
        if (opened.status === "missing") logger.warn("source object no longer exists; skipped", { bucket: ref.bucket, key: ref.key });
        else logger.info("source object was replaced after this event; its own event splits it", { bucket: ref.bucket, key: ref.key, eTag: ref.eTag });
        return { ...summary, status: opened.status };
    }
    const pinned: ObjectRef = opened.eTag ? { ...ref, eTag: opened.eTag } : ref;
    summary.gzip = opened.gzip;

    const base: Omit<LineSource, "line"> = pinned.eTag ? { bucket: ref.bucket, key: ref.key, etag: pinned.eTag } : { bucket: ref.bucket, key: ref.key };
    // Any line longer than this can't fit even with a one-character partition key; the exact check follows.
    const maxLineBytes = KINESIS_RECORD_MAX_BYTES - envelopeOverhead({ ...base, line: 1 }) - 1;
    const batcher = createRecordBatcher();
    // Blank and dead-lettered lines read since the last fully acknowledged batch: if a later hand-off
    // resumes before them, the next invocation reads (and counts) them again.
    let unsettled: Array<{ line: number; kind: "blank" | "dead" }> = [];
    /** Sends a batch; returns its first unacknowledged record when time ran short during retries. */
    const send = async (records: PendingRecord[]): Promise<PendingRecord | undefined> => {
        if (records.length === 0) return undefined;
        const started = Date.now();
        const outcome = await putRecordsWithRetry(kinesis, config.streamName, records, deps.retryPolicy, () => control.clock.shouldHandOff());
        control.clock.noteCallMs(Date.now() - started);
        summary.putRequests += outcome.requests;
        summary.retriedEntries += outcome.retriedEntries;
        const stuck = outcome.unsent[0];
        const settledBefore = stuck ? stuck.source.line : records[records.length - 1].source.line;
        summary.recordsPut += records.filter((record) => record.source.line < settledBefore).length + (stuck ? 0 : 1);
        unsettled = unsettled.filter((entry) => entry.line > settledBefore);
        return stuck;
    };
    /** Hands the rest of the object on, starting at `next`. */
    const handOff = async (next: { offset: number; line: number }) => {
        const checkpoint = checkpointFor(pinned, { ...next, gzip: opened.gzip }, control.invocation + 1);
        await control.handOff(checkpoint);
        summary.status = "handed-off";
        summary.continuation = checkpoint;
    };
    /** Time ran short with records of this invocation unacknowledged: resume at the first of them. */
    const handOffAtStuck = async (stuck: PendingRecord) => {
        if (summary.recordsPut === 0) {
            throw new Error(`PutRecords to stream ${config.streamName} acknowledged none of this invocation's records before its time ran short`);
        }
        summary.lines = stuck.source.line - firstLine;
        summary.blankLines -= unsettled.filter((entry) => entry.kind === "blank" && entry.line > stuck.source.line).length;
        summary.deadLettered -= unsettled.filter((entry) => entry.kind === "dead" && entry.line > stuck.source.line).length;
        await handOff({ offset: stuck.offset!, line: stuck.source.line });
    };

    const lines = opened.rangeRead
        ? splitLines(opened.chunks, { maxLineBytes, stripBom: false, firstLineNumber: firstLine, startOffset: opened.startOffset })
        : splitLines(opened.chunks, { maxLineBytes });
    // Byte offset where the line in hand starts: the previous line's end.
    let nextOffset = opened.startOffset;
    for await (const line of lines) {
        if (line.number < firstLine) {
            // A gzip continuation re-reads from the start and skips what earlier invocations sent.
            nextOffset = line.endOffset;
            continue;
        }
        if (line.number === firstLine && resume && nextOffset !== resume.offset) {
            throw new Error(`s3://${ref.bucket}/${ref.key}: line ${firstLine} starts at byte ${nextOffset}, but the checkpoint says ${resume.offset}`);
        }
        if (control.clock.shouldHandOff() || (control.handOffAt && line.number >= control.handOffAt.line)) {
            const stuck = await send(batcher.take());
            if (stuck) await handOffAtStuck(stuck);
            else await handOff({ offset: nextOffset, line: line.number });
            break;
        }
        control.clock.noteProgress();
        const lineStart = nextOffset;
        nextOffset = line.endOffset;
        summary.lines++;
        if (isBlankLine(line)) {
            summary.blankLines++;
            unsettled.push({ line: line.number, kind: "blank" });
            continue;
        }
        const source: LineSource = { ...base, line: line.number };
        if (line.truncated) {
            // Only the field strategy needs the whole line to name the key.
            const partitionKey = config.partitionKey.kind === "field" ? undefined : partitionKeyFor(config.partitionKey, undefined, ref.key, line.number);
            await deadLetterTooLarge(deps, source, line, partitionKey);
            summary.deadLettered++;
            unsettled.push({ line: line.number, kind: "dead" });
            continue;
        }
        const parsed = config.partitionKey.kind === "field" ? parseJsonOrUndefined(line.bytes) : undefined;
        const partitionKey = partitionKeyFor(config.partitionKey, parsed, ref.key, line.number);
        const data = encodeRecord(source, line.bytes);
        if (recordBytes(data, partitionKey) > KINESIS_RECORD_MAX_BYTES) {
            await deadLetterTooLarge(deps, source, line, partitionKey);
            summary.deadLettered++;
            unsettled.push({ line: line.number, kind: "dead" });
            continue;
        }
        let stuck = await send(batcher.add({ data, partitionKey, source, offset: lineStart }) ?? []);
        if (!stuck && batcher.isFull) stuck = await send(batcher.take());
        if (stuck) {
            await handOffAtStuck(stuck);
            break;
        }
    }
    if (summary.status !== "handed-off") {
        const stuck = await send(batcher.take());
        if (stuck) await handOffAtStuck(stuck);
    }

    if (summary.status === "handed-off") logger.info("time is short; the rest of the object goes on in a new invocation", { ...summary });
    else logger.info("source object split", { ...summary });
    return summary;
}

async function deadLetterTooLarge(deps: SplitterDeps, source: LineSource, line: SourceLine, partitionKey: string | undefined): Promise<void> {
    const message = deadLetterMessage({
        stage: "splitter",
        reason: DeadLetterReason.lineTooLarge,
        detail: `line is ${line.length} bytes; a Kinesis record holds at most ${KINESIS_RECORD_MAX_BYTES} bytes of envelope, line and partition key`,
        source,
        ...(partitionKey === undefined ? {} : { partitionKey }),
    });
    message.bytes = line.length;
    await deps.sqs.send(new SendMessageCommand({ QueueUrl: deps.config.deadLetterQueueUrl, MessageBody: deadLetterBody(message) }));
    deps.logger.warn("line too large for a Kinesis record; dead-lettered", { key: source.key, line: source.line, bytes: line.length });
}

function parseJsonOrUndefined(bytes: Buffer): unknown {
    try {
        return parseJsonKeepingLargeIntegers(bytes.toString("utf8"));
    } catch {
        return undefined;
    }
}
