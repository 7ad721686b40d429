import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Logger } from "@aws-lambda-powertools/logger";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import pLimit from "p-limit";
import { deadLetterBody, deadLetterMessage } from "../shared/dead-letter";
import type { MetricTally } from "../shared/metrics";
import type { WriterConfig } from "./config";
import { decodeLine, type LineOutcome, type PoisonOutcome, type WriteOutcome } from "./decode-line";
import { findSuperseded } from "./latest-wins";

/**
 * Writes one batch of Kinesis records to S3, one object per line, and reports the records that
 * failed for a retryable reason as `batchItemFailures` (ReportBatchItemFailures).
 *
 * - A write puts the line's exact bytes under its output key, at most `concurrency` calls in flight.
 * - Poison (bad envelope, encoding, JSON, not an object, unsafe id) goes to the dead-letter queue
 *   and counts as a success, so it never blocks the shard.
 * - S3 and dead-letter send errors fail the record, so Lambda retries from it.
 * - A line superseded by a later line with the same key in this batch is not written.
 */
export interface WriterDeps {
    s3: S3Client;
    sqs: SQSClient;
    config: WriterConfig;
    logger: Logger;
    /** Where this invocation's counts go (handlers/shared/metrics.ts); absent: nothing is counted. */
    metrics?: MetricTally;
}

export async function writeBatch(event: KinesisStreamEvent, deps: WriterDeps, context?: Context): Promise<KinesisStreamBatchResponse> {
    const { logger } = deps;
    const outcomes = new Map<string, LineOutcome>();
    for (const record of event.Records ?? []) {
        outcomes.set(record.kinesis.sequenceNumber, decodeLine(record, deps.config.outputKeyTemplate));
    }
    const superseded = new Set<string>();
    const writes = [...outcomes.values()].filter((outcome): outcome is WriteOutcome => outcome.kind === "write");
    for (const { key, winner, superseded: losers } of findSuperseded(writes)) {
        for (const loser of losers) superseded.add(loser.sequenceNumber);
        logger.info("duplicate output key in batch; only the later line is written", {
            key,
            writtenLine: winner.source.line,
            supersededLines: losers.map((loser) => loser.source.line),
            sourceKey: winner.source.key,
        });
    }

    const limit = pLimit(deps.config.concurrency);
    const handleRecord = (record: KinesisStreamRecord) =>
        limit(async () => {
            const outcome = outcomes.get(record.kinesis.sequenceNumber) ?? decodeLine(record, deps.config.outputKeyTemplate);
            try {
                if (outcome.kind === "poison") await deadLetter(outcome, deps);
                else if (!superseded.has(outcome.sequenceNumber)) await write(outcome, deps);
            } catch (error) {
                deps.metrics?.add("RecordsFailed");
                logger.warn("record failed; reported for retry", {
                    sequenceNumber: record.kinesis.sequenceNumber,
                    line: outcome.source?.line,
                    error: (error as Error).name,
                    detail: (error as Error).message,
                });
                throw error;
            }
        });

    const processor = new BatchProcessor(EventType.KinesisDataStreams);
    // When every record failed, nothing is wrong with the records themselves (poison is never a
    // failure): S3 or the dead-letter queue is down, or access is denied. We keep Powertools'
    // default and throw FullBatchFailureError, so the invocation counts as an error: the writer's
    // Errors alarm fires, and the event source mapping retries (and bisects) the batch within
    // MaximumRetryAttempts before it goes to the on-failure destination. Returning every record as
    // a batch item failure would retry the same way but look like a successful invocation.
    const response = await processPartialResponse(event, handleRecord, processor, { context, throwOnFullBatchFailure: true });
    logger.info("batch written", {
        records: outcomes.size,
        writes: writes.length - superseded.size,
        superseded: superseded.size,
        poison: outcomes.size - writes.length,
        failed: response.batchItemFailures.length,
    });
    return response as KinesisStreamBatchResponse;
}

async function write(outcome: WriteOutcome, deps: WriterDeps): Promise<void> {
    await deps.s3.send(
        new PutObjectCommand({
            Bucket: deps.config.outputBucket,
            Key: outcome.key,
            Body: outcome.body,
            ContentType: "application/json",
        }),
    );
    deps.metrics?.add("ObjectsWritten");
}

async function deadLetter(outcome: PoisonOutcome, deps: WriterDeps): Promise<void> {
    const message = deadLetterMessage(
        {
            stage: "writer",
            reason: outcome.reason,
            detail: outcome.detail,
            ...(outcome.source ? { source: outcome.source } : {}),
            sequenceNumber: outcome.sequenceNumber,
            partitionKey: outcome.partitionKey,
        },
        outcome.bytes,
    );
    await deps.sqs.send(new SendMessageCommand({ QueueUrl: deps.config.deadLetterQueueUrl, MessageBody: deadLetterBody(message) }));
    deps.metrics?.deadLettered(outcome.reason);
    deps.logger.warn("poison record dead-lettered", {
        reason: outcome.reason,
        detail: outcome.detail,
        sequenceNumber: outcome.sequenceNumber,
        sourceKey: outcome.source?.key,
        line: outcome.source?.line,
        bytes: outcome.bytes.length,
    });
}
