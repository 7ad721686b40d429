import { DeadLetterReason, isDeadLetterMessage } from "../../handlers/shared/dead-letter";
import { isContinuationEvent } from "../../handlers/splitter/continuation";

/**
 * One dead letter, whichever of the pipeline's four kinds it is, and wherever it is kept:
 * - `s3-event`: the splitter's asynchronous invocation for an uploaded object failed for good
 *   (Lambda's async invocation record, `requestPayload` an S3 event); remedy: invoke the splitter again;
 * - `continuation`: the same for a splitter continuation (`requestPayload` a checkpoint); same remedy;
 * - `failed-batch`: the writer's event source mapping gave up on a batch (`KinesisBatchInfo`; with
 *   an S3 destination also `payload`, the batch itself); remedy: invoke the writer with its records;
 * - `poison-line`: a line that can never be written, with its reason; remedy: export it for the
 *   user to fix and upload again, never write it as it is.
 */
export const DeadLetterKind = {
    s3Event: "s3-event",
    continuation: "continuation",
    failedBatch: "failed-batch",
    poisonLine: "poison-line",
    unknown: "unknown",
} as const;
export type DeadLetterKind = (typeof DeadLetterKind)[keyof typeof DeadLetterKind];
export const DEAD_LETTER_KINDS = Object.values(DeadLetterKind);

export interface DeadLetter {
    /** The SQS message id, or `s3://<failure bucket>/<key>` for a batch kept in the failure bucket. */
    id: string;
    where: "queue" | "failure-bucket";
    kind: DeadLetterKind;
    /** Which part of the pipeline gave up: splitter, writer, or the writer's event source mapping. */
    stage: "splitter" | "writer" | "mapping" | "unknown";
    /** The poison line's reason, the mapping's discard condition, or the failed invocation's error type. */
    reason: string;
    /** When it was dead-lettered (SQS SentTimestamp, the object's LastModified, or the record's timestamp). */
    at?: Date;
    /** The parsed body (undefined when it is not JSON). */
    body: any;
    /** SQS only: what deletes it. */
    receiptHandle?: string;
}

/** Kind, stage and reason of a dead letter's body. */
export function describeBody(body: unknown): Pick<DeadLetter, "kind" | "stage" | "reason"> {
    if (isDeadLetterMessage(body)) {
        // A chain that reached its cap is not a bad line: the rest of the object waits in the checkpoint.
        if (body.reason === DeadLetterReason.chainTooLong && body.checkpoint) return { kind: DeadLetterKind.continuation, stage: "splitter", reason: body.reason };
        return { kind: DeadLetterKind.poisonLine, stage: body.stage, reason: body.reason };
    }
    const message = body as any;
    if (message?.KinesisBatchInfo) return { kind: DeadLetterKind.failedBatch, stage: "mapping", reason: String(message.requestContext?.condition ?? "unknown") };
    if (message?.requestPayload !== undefined) {
        const reason = String(message.responsePayload?.errorType ?? message.requestContext?.condition ?? "unknown");
        if (isContinuationEvent(message.requestPayload)) return { kind: DeadLetterKind.continuation, stage: "splitter", reason };
        if (Array.isArray(message.requestPayload?.Records)) return { kind: DeadLetterKind.s3Event, stage: "splitter", reason };
    }
    return { kind: DeadLetterKind.unknown, stage: "unknown", reason: "unrecognised" };
}

export function parseBody(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}

export interface DeadLetterSummary {
    total: number;
    byStage: Record<string, number>;
    byKind: Record<string, number>;
    /** `<kind>/<reason>` → count. */
    byReason: Record<string, number>;
    oldest?: string;
    newest?: string;
}

export function summarize(letters: readonly DeadLetter[]): DeadLetterSummary {
    const summary: DeadLetterSummary = { total: letters.length, byStage: {}, byKind: {}, byReason: {} };
    const bump = (table: Record<string, number>, key: string) => (table[key] = (table[key] ?? 0) + 1);
    for (const letter of letters) {
        bump(summary.byStage, letter.stage);
        bump(summary.byKind, letter.kind);
        bump(summary.byReason, `${letter.kind}/${letter.reason}`);
    }
    const times = letters.flatMap((letter) => (letter.at ? [letter.at.getTime()] : [])).sort((a, b) => a - b);
    if (times.length) {
        summary.oldest = new Date(times[0]).toISOString();
        summary.newest = new Date(times[times.length - 1]).toISOString();
    }
    return summary;
}

/** The letters a redrive's `--kind`, `--reason` and `--limit` select, oldest first. */
export function selectLetters(letters: readonly DeadLetter[], filter: { kind?: DeadLetterKind; reason?: string; limit?: number }): DeadLetter[] {
    const chosen = letters
        .filter((letter) => (filter.kind === undefined || letter.kind === filter.kind) && (filter.reason === undefined || letter.reason === filter.reason))
        .sort((a, b) => (a.at?.getTime() ?? 0) - (b.at?.getTime() ?? 0));
    return filter.limit === undefined ? chosen : chosen.slice(0, filter.limit);
}
