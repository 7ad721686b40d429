import { PutRecordsCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import { backOff } from "exponential-backoff";
import type { PendingRecord } from "./record-batcher";

/**
 * Sends one PutRecords request and retries only the entries that failed, with exponential backoff
 * and full jitter, up to a bound. PutRecords reports failed entries inside a 200 response
 * (`FailedRecordCount`, and an `ErrorCode` per entry such as ProvisionedThroughputExceededException
 * or InternalFailure); the SDK's own retries cover whole-request errors. When the bound is reached
 * it throws a PutRecordsFailedError: nothing is dropped silently. When `shouldStop` says the
 * invocation's time is short, it stops retrying and returns the entries still unsent, so that the
 * caller can hand them on to the next invocation instead of being killed by its timeout.
 *
 * Resending only the failed entries would reorder lines of one partition key: a failed early line
 * would land after a later line of the same key that went through, and the writer would then let
 * the earlier line win. So with each failed entry, the later entries of the same partition key in
 * that request are sent again too, in order. Their second copies are harmless: the writer's keys
 * are deterministic and the bytes are the same.
 */
export interface RetryPolicy {
    /** Most PutRecords calls for one batch, the first included. */
    attempts: number;
    firstDelayMs: number;
    maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 10, firstDelayMs: 100, maxDelayMs: 5000 };

export interface PutOutcome {
    /** PutRecords calls made, retries included. */
    requests: number;
    /** Entries sent again after they failed. */
    retriedEntries: number;
    /**
     * Entries not acknowledged because `shouldStop` ended the retries (the invocation's time is
     * short), in their order; empty when every entry went through.
     */
    unsent: PendingRecord[];
}

/**
 * Fields are assigned in the constructor, not declared as parameter properties: Pulumi's closure
 * serializer drops class field initializers.
 */
export class PutRecordsFailedError extends Error {
    declare readonly streamName: string;
    declare readonly failedEntries: number;
    declare readonly errorCodes: Readonly<Record<string, number>>;
    declare readonly attempts: number;
    /** Entries sent again before the attempts ran out (what PutOutcome.retriedEntries counts on success). */
    declare readonly retriedEntries: number;

    constructor(streamName: string, failedEntries: number, errorCodes: Readonly<Record<string, number>>, attempts: number, retriedEntries: number) {
        const codes = Object.entries(errorCodes)
            .map(([code, count]) => `${code} x${count}`)
            .join(", ");
        super(`PutRecords to stream ${streamName} still failed for ${failedEntries} entries after ${attempts} attempts (${codes})`);
        this.name = "PutRecordsFailedError";
        Object.assign(this, { streamName, failedEntries, errorCodes, attempts, retriedEntries });
    }
}

class FailedEntries extends Error {
    declare readonly codes: Record<string, number>;

    constructor(codes: Record<string, number>) {
        super("some PutRecords entries failed");
        Object.assign(this, { codes });
    }
}

export async function putRecordsWithRetry(
    kinesis: KinesisClient,
    streamName: string,
    records: readonly PendingRecord[],
    policy: RetryPolicy = DEFAULT_RETRY_POLICY,
    shouldStop: () => boolean = () => false,
): Promise<PutOutcome> {
    let pending = records;
    let requests = 0;
    let retriedEntries = 0;
    let stopped = false;
    try {
        await backOff(
            async () => {
                if (requests > 0) retriedEntries += pending.length;
                requests++;
                const output = await kinesis.send(
                    new PutRecordsCommand({
                        StreamName: streamName,
                        Records: pending.map((record) => ({ Data: record.data, PartitionKey: record.partitionKey })),
                    }),
                );
                if (!output.FailedRecordCount) return;
                const results = output.Records ?? [];
                const failed = entriesToResend(pending, (index) => results[index]?.ErrorCode !== undefined);
                if (failed.length === 0) return;
                const codes: Record<string, number> = {};
                for (const result of results) {
                    if (result.ErrorCode) codes[result.ErrorCode] = (codes[result.ErrorCode] ?? 0) + 1;
                }
                pending = failed;
                throw new FailedEntries(codes);
            },
            {
                numOfAttempts: policy.attempts,
                startingDelay: policy.firstDelayMs,
                maxDelay: policy.maxDelayMs,
                timeMultiple: 2,
                jitter: "full",
                retry: (error) => {
                    if (!(error instanceof FailedEntries)) return false;
                    stopped = shouldStop();
                    return !stopped;
                },
            },
        );
    } catch (error) {
        if (error instanceof FailedEntries && stopped) return { requests, retriedEntries, unsent: [...pending] };
        if (error instanceof FailedEntries) throw new PutRecordsFailedError(streamName, pending.length, error.codes, requests, retriedEntries);
        throw error;
    }
    return { requests, retriedEntries, unsent: [] };
}

/**
 * The entries to send again after a partial failure, in their order: every failed entry, and
 * every entry after it with the same partition key (so that key's lines stay in order).
 */
export function entriesToResend<T extends { partitionKey: string }>(entries: readonly T[], failed: (index: number) => boolean): T[] {
    const reordered = new Set<string>();
    return entries.filter((entry, index) => {
        if (failed(index)) {
            reordered.add(entry.partitionKey);
            return true;
        }
        return reordered.has(entry.partitionKey);
    });
}
