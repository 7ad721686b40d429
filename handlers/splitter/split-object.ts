import type { S3Client } from "@aws-sdk/client-s3";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { LambdaClient } from "@aws-sdk/client-lambda";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Logger } from "@aws-lambda-powertools/logger";
import { DeadLetterReason, deadLetterBody, deadLetterMessage } from "../shared/dead-letter";
import { parseJsonKeepingLargeIntegers } from "../shared/exact-id";
import type { MetricTally } from "../shared/metrics";
import { partitionKeyFor } from "../shared/partition-key";
import { encodeRecord, envelopeOverhead, KINESIS_RECORD_MAX_BYTES, type LineSource } from "../shared/record-envelope";
import type { SplitterConfig } from "./config";
import { CONTINUATION_TYPE, type HandOffClock, type SplitCheckpoint } from "./continuation";
import { PutRecordsFailedError, putRecordsWithRetry, type RetryPolicy } from "./put-records";
import { createLineLedger, type LineCounts, type LineLedger, type LinePosition } from "./line-ledger";
import { openSourceObject, type OpenedObject } from "./read-object";
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
 * (its byte offset and number) is handed off, and this invocation stops reading. When PutRecords
 * could not get a record acknowledged before the time ran short, the hand-off starts at that
 * record's line instead. The bookkeeping of all this is the line ledger (line-ledger.ts), which
 * checks that no line is skipped and none is counted by two invocations.
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
    /** Where this invocation's counts go (handlers/shared/metrics.ts); absent: nothing is counted. */
    metrics?: MetricTally;
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

/** What an invocation did: its lines (see LineCounts), and its PutRecords calls and the entries they sent again. */
export interface SplitCounts extends LineCounts {
    putRequests: number;
    retriedEntries: number;
}

export interface ObjectSummary extends SplitCounts {
    bucket: string;
    key: string;
    status: ObjectStatus;
    gzip: boolean;
    /** Number of the first line this invocation read. */
    firstLine: number;
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
    const firstLine = resume?.line ?? 1;
    const summary = emptySummary(ref, firstLine);
    const opened = await openSourceObject(deps.s3, ref, { offset: resume?.offset ?? 0, gzip: resume?.gzip ?? false });
    if (opened.status !== "open") return notOpened(ref, opened.status, summary, deps.logger);
    const pinned: ObjectRef = opened.eTag ? { ...ref, eTag: opened.eTag } : ref;
    summary.gzip = opened.gzip;

    const ledger = createLineLedger(firstLine, deps.config.streamName);
    const batcher = createRecordBatcher();
    const send = (records: PendingRecord[]) => putBatch(records, deps, control, ledger, summary);
    const base: Omit<LineSource, "line"> = pinned.eTag ? { bucket: ref.bucket, key: ref.key, etag: pinned.eTag } : { bucket: ref.bucket, key: ref.key };
    let stoppedAt: LinePosition | undefined;
    try {
        for await (const { line, offset } of linesFrom(opened, ref, firstLine, resume, base)) {
            if (control.clock.shouldHandOff() || (control.handOffAt && line.number >= control.handOffAt.line)) {
                stoppedAt = { line: line.number, offset };
                break;
            }
            control.clock.noteProgress();
            const outcome = lineOutcome(line, { ...base, line: line.number }, deps.config, ref.key);
            ledger.read({ line: line.number, offset }, outcome.kind);
            if (outcome.kind === "dead-lettered") await deadLetterTooLarge(deps, outcome.source, line, outcome.partitionKey);
            if (outcome.kind !== "record") continue;
            await send(batcher.add(outcome.record) ?? []);
            if (!ledger.stuck && batcher.isFull) await send(batcher.take());
            if (ledger.stuck) break;
        }
        // Every record read goes out before the invocation ends or hands off, unless one is already stuck.
        if (!ledger.stuck) await send(batcher.take());
        const handOffAt = ledger.handOffPoint(stoppedAt);
        Object.assign(summary, ledger.counts());
        if (handOffAt) {
            const checkpoint = checkpointFor(pinned, { ...handOffAt, gzip: opened.gzip }, control.invocation + 1);
            await control.handOff(checkpoint);
            summary.status = "handed-off";
            summary.continuation = checkpoint;
            deps.logger.info("time is short; the rest of the object goes on in a new invocation", { ...summary });
        } else {
            deps.logger.info("source object split", { ...summary });
        }
        return summary;
    } finally {
        // Also when the invocation fails partway: its metrics say what it did before it failed.
        const { lines, recordsPut } = ledger.counts();
        deps.metrics?.add("LinesSplit", lines);
        deps.metrics?.add("RecordsPut", recordsPut);
    }
}

function notOpened(ref: ObjectRef, status: "missing" | "replaced" | "past-end", summary: ObjectSummary, logger: Logger): ObjectSummary {
    if (status === "past-end") return summary;
    if (status === "missing") logger.warn("source object no longer exists; skipped", { bucket: ref.bucket, key: ref.key });
    else logger.info("source object was replaced after this event; its own event splits it", { bucket: ref.bucket, key: ref.key, eTag: ref.eTag });
    return { ...summary, status };
}

/**
 * The object's lines from `firstLine` on, each with the byte offset where it starts. A gzip
 * continuation re-reads from the start and skips what earlier invocations sent; a checkpoint whose
 * offset is not where its line starts is an error.
 */
async function* linesFrom(
    opened: Extract<OpenedObject, { status: "open" }>,
    ref: ObjectRef,
    firstLine: number,
    resume: ResumePoint | undefined,
    base: Omit<LineSource, "line">,
): AsyncGenerator<{ line: SourceLine; offset: number }> {
    // Any line longer than this can't fit even with a one-character partition key; the exact check follows.
    const maxLineBytes = KINESIS_RECORD_MAX_BYTES - envelopeOverhead({ ...base, line: 1 }) - 1;
    const lines = opened.rangeRead
        ? splitLines(opened.chunks, { maxLineBytes, stripBom: false, firstLineNumber: firstLine, startOffset: opened.startOffset })
        : splitLines(opened.chunks, { maxLineBytes });
    let offset = opened.startOffset;
    for await (const line of lines) {
        const start = offset;
        offset = line.endOffset;
        if (line.number < firstLine) continue;
        if (line.number === firstLine && resume && start !== resume.offset) {
            throw new Error(`s3://${ref.bucket}/${ref.key}: line ${firstLine} starts at byte ${start}, but the checkpoint says ${resume.offset}`);
        }
        yield { line, offset: start };
    }
}

/** What one line becomes: a blank line, a record to send, or a line too large for Kinesis. */
type LineOutcome =
    | { kind: "blank" }
    | { kind: "record"; record: PendingRecord }
    | { kind: "dead-lettered"; source: LineSource; partitionKey: string | undefined };

function lineOutcome(line: SourceLine, source: LineSource, config: SplitterConfig, key: string): LineOutcome {
    if (isBlankLine(line)) return { kind: "blank" };
    if (line.truncated) {
        // Only the field strategy needs the whole line to name the key.
        const partitionKey = config.partitionKey.kind === "field" ? undefined : partitionKeyFor(config.partitionKey, undefined, key, line.number);
        return { kind: "dead-lettered", source, partitionKey };
    }
    const parsed = config.partitionKey.kind === "field" ? parseJsonOrUndefined(line.bytes) : undefined;
    const partitionKey = partitionKeyFor(config.partitionKey, parsed, key, line.number);
    const data = encodeRecord(source, line.bytes);
    if (recordBytes(data, partitionKey) > KINESIS_RECORD_MAX_BYTES) return { kind: "dead-lettered", source, partitionKey };
    return { kind: "record", record: { data, partitionKey, source } };
}

/**
 * Sends one batch and settles it in the ledger. PutRecords stops retrying when the time runs
 * short; the ledger then holds the first unacknowledged record.
 */
async function putBatch(records: PendingRecord[], deps: SplitterDeps, control: SplitControl, ledger: LineLedger, summary: ObjectSummary): Promise<void> {
    if (records.length === 0) return;
    const started = Date.now();
    let outcome: Awaited<ReturnType<typeof putRecordsWithRetry>>;
    try {
        outcome = await putRecordsWithRetry(deps.kinesis, deps.config.streamName, records, deps.retryPolicy, () => control.clock.shouldHandOff());
    } catch (error) {
        if (error instanceof PutRecordsFailedError) deps.metrics?.add("RecordsRetried", error.retriedEntries);
        throw error;
    }
    control.clock.noteCallMs(Date.now() - started);
    summary.putRequests += outcome.requests;
    summary.retriedEntries += outcome.retriedEntries;
    deps.metrics?.add("RecordsRetried", outcome.retriedEntries);
    ledger.settle(
        records.map((record) => record.source.line),
        outcome.unsent[0]?.source.line,
    );
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
    deps.metrics?.deadLettered(DeadLetterReason.lineTooLarge);
    deps.logger.warn("line too large for a Kinesis record; dead-lettered", { key: source.key, line: source.line, bytes: line.length });
}

function parseJsonOrUndefined(bytes: Buffer): unknown {
    try {
        return parseJsonKeepingLargeIntegers(bytes.toString("utf8"));
    } catch {
        return undefined;
    }
}
