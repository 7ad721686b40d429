import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { Context } from "aws-lambda";
import { DeadLetterReason, deadLetterMessage } from "../shared/dead-letter";
import { partitionKeyFor } from "../shared/partition-key";
import { encodeRecord, envelopeOverhead, KINESIS_RECORD_MAX_BYTES, type LineSource } from "../shared/record-envelope";
import type { SplitterConfig } from "./config";
import { openObjectBytes } from "./object-body";
import { putRecordsWithRetry, type RetryPolicy } from "./put-records";
import { createRecordBatcher, recordBytes, type PendingRecord } from "./record-batcher";
import { isBlankLine, splitLines, type SourceLine } from "./line-splitter";

/**
 * Splits one S3 object into Kinesis records, one per non-blank line, in order.
 *
 * The object is read with If-Match on the event's ETag, so a replaced object is never mixed with
 * its successor (the successor has its own event), and streamed: memory holds one line and one
 * PutRecords batch, never the file. A line too large for a Kinesis record goes to the dead-letter
 * queue and the rest of the file goes on.
 */
export interface SplitterDeps {
    s3: S3Client;
    kinesis: KinesisClient;
    sqs: SQSClient;
    config: SplitterConfig;
    logger: Logger;
    retryPolicy?: RetryPolicy;
}

export interface ObjectRef {
    bucket: string;
    /** The decoded key. */
    key: string;
    /** ETag from the event, without quotes. */
    eTag?: string;
}

/** split: read to the end; missing: deleted before it was read; replaced: its ETag no longer matches. */
export type ObjectStatus = "split" | "missing" | "replaced";

export interface ObjectSummary {
    bucket: string;
    key: string;
    status: ObjectStatus;
    gzip: boolean;
    /** Physical lines read: recordsPut + blankLines + deadLettered. */
    lines: number;
    recordsPut: number;
    blankLines: number;
    deadLettered: number;
    putRequests: number;
    retriedEntries: number;
}

type RemainingTime = Pick<Context, "getRemainingTimeInMillis">;

export async function splitObject(ref: ObjectRef, deps: SplitterDeps, context: RemainingTime): Promise<ObjectSummary> {
    const { s3, kinesis, config, logger } = deps;
    const summary: ObjectSummary = {
        bucket: ref.bucket,
        key: ref.key,
        status: "split",
        gzip: false,
        lines: 0,
        recordsPut: 0,
        blankLines: 0,
        deadLettered: 0,
        putRequests: 0,
        retriedEntries: 0,
    };

    let body: AsyncIterable<Uint8Array>;
    let etag = ref.eTag;
    try {
        const response = await s3.send(
            new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key, IfMatch: ref.eTag ? quoted(ref.eTag) : undefined }),
        );
        body = response.Body as AsyncIterable<Uint8Array>;
        etag ??= response.ETag?.replace(/"/g, "");
    } catch (error) {
        const status = skippedStatus(error);
        if (!status) throw error;
        if (status === "missing") logger.warn("source object no longer exists; skipped", { bucket: ref.bucket, key: ref.key });
        else logger.info("source object was replaced after this event; its own event splits it", { bucket: ref.bucket, key: ref.key, eTag: ref.eTag });
        return { ...summary, status };
    }

    const base: Omit<LineSource, "line"> = etag ? { bucket: ref.bucket, key: ref.key, etag } : { bucket: ref.bucket, key: ref.key };
    // Any line longer than this can't fit even with a one-character partition key; the exact check follows.
    const maxLineBytes = KINESIS_RECORD_MAX_BYTES - envelopeOverhead({ ...base, line: 1 }) - 1;
    const batcher = createRecordBatcher();
    const send = async (records: PendingRecord[]) => {
        if (records.length === 0) return;
        const outcome = await putRecordsWithRetry(kinesis, config.streamName, records, deps.retryPolicy);
        summary.recordsPut += records.length;
        summary.putRequests += outcome.requests;
        summary.retriedEntries += outcome.retriedEntries;
    };

    const bytes = await openObjectBytes(body);
    summary.gzip = bytes.gzip;
    for await (const line of splitLines(bytes.chunks, { maxLineBytes })) {
        summary.lines++;
        if (isBlankLine(line)) {
            summary.blankLines++;
            continue;
        }
        const source: LineSource = { ...base, line: line.number };
        if (line.truncated) {
            // Only the field strategy needs the whole line to name the key.
            const partitionKey = config.partitionKey.kind === "field" ? undefined : partitionKeyFor(config.partitionKey, undefined, ref.key, line.number);
            await deadLetterTooLarge(deps, source, line, partitionKey);
            summary.deadLettered++;
            continue;
        }
        const parsed = config.partitionKey.kind === "field" ? parseJsonOrUndefined(line.bytes) : undefined;
        const partitionKey = partitionKeyFor(config.partitionKey, parsed, ref.key, line.number);
        const data = encodeRecord(source, line.bytes);
        if (recordBytes(data, partitionKey) > KINESIS_RECORD_MAX_BYTES) {
            await deadLetterTooLarge(deps, source, line, partitionKey);
            summary.deadLettered++;
            continue;
        }
        await send(batcher.add({ data, partitionKey, source }) ?? []);
        if (batcher.isFull) await send(batcher.take());
    }
    await send(batcher.take());

    logger.info("source object split", { ...summary, remainingMs: context.getRemainingTimeInMillis() });
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
    await deps.sqs.send(new SendMessageCommand({ QueueUrl: deps.config.deadLetterQueueUrl, MessageBody: JSON.stringify(message) }));
    deps.logger.warn("line too large for a Kinesis record; dead-lettered", { key: source.key, line: source.line, bytes: line.length });
}

function parseJsonOrUndefined(bytes: Buffer): unknown {
    try {
        return JSON.parse(bytes.toString("utf8"));
    } catch {
        return undefined;
    }
}

function quoted(eTag: string): string {
    return eTag.startsWith('"') ? eTag : `"${eTag}"`;
}

/** Which skip a GetObject error means, or undefined when it must propagate. */
function skippedStatus(error: unknown): Exclude<ObjectStatus, "split"> | undefined {
    const { name, $metadata } = (error ?? {}) as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (name === "NoSuchKey") return "missing";
    if (name === "PreconditionFailed" || $metadata?.httpStatusCode === 412) return "replaced";
    return undefined;
}
