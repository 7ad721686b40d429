import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import type { Context } from "aws-lambda";

/**
 * How the splitter carries on past its own timeout.
 *
 * When the time left falls below a safety margin, the splitter stops at a line boundary (after the
 * PutRecords batch before it is acknowledged) and invokes *itself asynchronously* with a tiny
 * checkpoint: bucket, key, pinned ETag, byte offset and number of the next line. The new
 * invocation reads on with a Range GET from that offset, If-Match on the ETag.
 *
 * Why an asynchronous self-invoke rather than a continuation queue:
 * - no extra resource: no queue, no event source mapping, only `lambda:InvokeFunction` on the
 *   function's own ARN;
 * - a continuation is then handled exactly like the S3 event that started the chain: Lambda's
 *   asynchronous retries (two) and the function's existing on-failure destination (the dead-letter
 *   queue) apply to it unchanged;
 * - the checkpoint is about 300 bytes, far below the asynchronous payload limit (256 KB
 *   historically, 1 MB now).
 */

export const CONTINUATION_TYPE = "kinesis-fanout.split-continuation";

/**
 * The splitter's recursive loop detection setting (PutFunctionRecursionConfig). A file longer than
 * about 16 invocations is a chain of more than 16 self-invokes, and Lambda "stops the next function
 * invocation in that request chain" under the default `Terminate` (invocation-recursion: "Lambda
 * also detects loops comprised only of Lambda functions"). The chain is bounded instead by the
 * `splitterMaxChainInvocations` setting. The component deploys this, the runtime models it.
 */
export const SPLITTER_RECURSIVE_LOOP = "Allow" as const;

/** Where a continuation picks an object up. */
export interface SplitCheckpoint {
    type: typeof CONTINUATION_TYPE;
    version: 1;
    bucket: string;
    /** The decoded key. */
    key: string;
    /** The ETag (without quotes) every read of this chain is pinned to with If-Match. */
    eTag?: string;
    /** Byte offset of the next line in the object (in the decompressed bytes when gzip). */
    offset: number;
    /** 1-based number of the next line. */
    line: number;
    /** The object is gzip: a continuation re-reads it from the start and skips to `line`. */
    gzip: boolean;
    /** 1 for the invocation S3 triggered, then 2, 3, ... along the chain (capped by MAX_CHAIN_INVOCATIONS). */
    invocation: number;
    /**
     * What tells this upload's chain from another upload of the same bytes: the S3 event's
     * `sequencer` (the same in a duplicated S3 event). Part of each hand-off's claim key.
     */
    chain?: string;
}

export function isContinuationEvent(event: unknown): boolean {
    return typeof event === "object" && event !== null && (event as { type?: unknown }).type === CONTINUATION_TYPE;
}

/** Checks a continuation event field by field; throws an Error that names the field and what is allowed. */
export function parseCheckpoint(event: unknown): SplitCheckpoint {
    const value = event as Record<string, unknown>;
    const fail = (field: string, allowed: string) => {
        throw new Error(`continuation event: ${field} must be ${allowed} (got ${JSON.stringify(value[field])})`);
    };
    if (value.version !== 1) fail("version", "1");
    if (typeof value.bucket !== "string" || value.bucket === "") fail("bucket", "a bucket name");
    if (typeof value.key !== "string" || value.key === "") fail("key", "an object key");
    if (value.eTag !== undefined && typeof value.eTag !== "string") fail("eTag", "a string or absent");
    if (!Number.isSafeInteger(value.offset) || (value.offset as number) < 0) fail("offset", "a whole number of bytes ≥ 0");
    if (!Number.isSafeInteger(value.line) || (value.line as number) < 1) fail("line", "a line number ≥ 1");
    if (value.line === 1 && value.offset !== 0) fail("offset", "0 when line is 1");
    if (typeof value.gzip !== "boolean") fail("gzip", "true or false");
    if (!Number.isSafeInteger(value.invocation) || (value.invocation as number) < 2) fail("invocation", "a whole number ≥ 2");
    if (value.chain !== undefined && (typeof value.chain !== "string" || value.chain === "")) fail("chain", "a non-empty string or absent");
    return value as unknown as SplitCheckpoint;
}

/**
 * The margin kept free at the end of an invocation: a quarter of the time the invocation started
 * with, at least 0.5 s and at most 60 s. What must fit in it: the PutRecords call that may be in
 * flight when the margin is crossed, the one that flushes the batch before the hand-off (each
 * with its retries), and the Invoke call. With a 3 s timeout that is 0.75 s (local PutRecords
 * take tens of ms); with 900 s it is 60 s, which also covers a PutRecords retry chain under
 * throttling (at most about 25 s with the default retry policy).
 */
export const HAND_OFF_MARGIN = { fraction: 0.25, minMs: 500, maxMs: 60_000 } as const;

export function handOffMarginMs(budgetMs: number): number {
    return Math.min(HAND_OFF_MARGIN.maxMs, Math.max(HAND_OFF_MARGIN.minMs, budgetMs * HAND_OFF_MARGIN.fraction));
}

/**
 * Decides when to hand off. It never does before this invocation made progress (read a line or
 * finished an object), so a chain always moves forward and ends, however small the timeout.
 *
 * The margin also grows with the slowest PutRecords call seen so far: after a check that says
 * "go on", one full batch may still be sent before the next check, and then the flush before the
 * hand-off. So the threshold is the margin plus twice the slowest call. (Measured: with a fixed
 * 0.75 s margin and a 3 s timeout, one invocation in 26 was killed on a busy 2-core machine.)
 */
export interface HandOffClock {
    /** True when the time left is below the threshold and this invocation has made progress. */
    shouldHandOff(): boolean;
    noteProgress(): void;
    /** Records how long a PutRecords call (retries included) took. */
    noteCallMs(ms: number): void;
    readonly marginMs: number;
}

/** A closure, not a class: Pulumi's closure serializer drops class field initializers. */
export function createHandOffClock(context: Pick<Context, "getRemainingTimeInMillis">): HandOffClock {
    const marginMs = handOffMarginMs(context.getRemainingTimeInMillis());
    let progressed = false;
    let slowestCallMs = 0;
    return {
        shouldHandOff: () => progressed && context.getRemainingTimeInMillis() < marginMs + 2 * slowestCallMs,
        noteProgress: () => {
            progressed = true;
        },
        noteCallMs: (ms) => {
            slowestCallMs = Math.max(slowestCallMs, ms);
        },
        marginMs,
    };
}

/**
 * Queues the continuation: an asynchronous Invoke of this same function (by name, so the IAM grant
 * is the function's own unqualified ARN). Lambda answers 202 once the event is queued; anything
 * else throws, which fails this invocation, and Lambda's async retry starts it again from its own
 * event (lines sent twice are harmless: records carry line numbers, output keys are deterministic).
 */
export async function invokeContinuation(lambda: LambdaClient, functionName: string, checkpoint: SplitCheckpoint): Promise<void> {
    const output = await lambda.send(
        new InvokeCommand({ FunctionName: functionName, InvocationType: "Event", Payload: Buffer.from(JSON.stringify(checkpoint), "utf8") }),
    );
    if (output.StatusCode !== 202) {
        throw new Error(`asynchronous Invoke of ${functionName} for the continuation of s3://${checkpoint.bucket}/${checkpoint.key} answered ${output.StatusCode}; expected 202`);
    }
}
