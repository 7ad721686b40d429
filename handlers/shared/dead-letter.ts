import type { LineSource } from "./record-envelope";

/**
 * A line that can never be written, as the splitter or the writer puts it on the dead-letter
 * queue. The same queue receives the event source mapping's own on-failure messages (those carry
 * `KinesisBatchInfo` instead), so every message says which kind it is.
 *
 * SQS messages hold at most 256 KiB, so the line's bytes are included only when small.
 */
export const DEAD_LETTER_TYPE = "kinesis-fanout.dead-letter";
export const DEAD_LETTER_INLINE_MAX_BYTES = 128 * 1024;

export const DeadLetterReason = {
    lineTooLarge: "line-too-large",
    invalidJson: "invalid-json",
    notAnObject: "not-an-object",
    unsafeId: "unsafe-id",
    invalidEnvelope: "invalid-envelope",
    invalidEncoding: "invalid-encoding",
    /** A splitter chain reached MAX_CHAIN_INVOCATIONS; the message carries the checkpoint it did not invoke. */
    chainTooLong: "chain-too-long",
} as const;
export type DeadLetterReason = (typeof DeadLetterReason)[keyof typeof DeadLetterReason];

export interface DeadLetterMessage {
    type: typeof DEAD_LETTER_TYPE;
    version: 1;
    stage: "splitter" | "writer";
    reason: DeadLetterReason;
    detail: string;
    source?: LineSource;
    /** Byte length of the line. */
    bytes: number;
    /** The line, base64, when at most DEAD_LETTER_INLINE_MAX_BYTES. */
    data?: string;
    sequenceNumber?: string;
    partitionKey?: string;
    /** For chain-too-long: the checkpoint of the rest of the object, to re-invoke by hand. */
    checkpoint?: Record<string, unknown>;
}

export function deadLetterMessage(fields: Omit<DeadLetterMessage, "type" | "version" | "bytes" | "data">, line?: Buffer): DeadLetterMessage {
    const message: DeadLetterMessage = { type: DEAD_LETTER_TYPE, version: 1, ...fields, bytes: line?.length ?? 0 };
    if (line && line.length <= DEAD_LETTER_INLINE_MAX_BYTES) message.data = line.toString("base64");
    return message;
}

/**
 * The SQS message body of a dead letter: JSON with every character beyond ASCII escaped as \uXXXX.
 * SQS refuses a body with characters outside #x9, #xA, #xD, #x20-#xD7FF, #xE000-#xFFFD and
 * #x10000-#x10FFFF (and some stand-ins refuse the astral planes too), and ids, partition keys and
 * object keys may hold any of them; a refused dead letter would fail its record again and again.
 */
export function deadLetterBody(message: DeadLetterMessage): string {
    return JSON.stringify(message).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export function isDeadLetterMessage(value: unknown): value is DeadLetterMessage {
    return typeof value === "object" && value !== null && (value as { type?: unknown }).type === DEAD_LETTER_TYPE;
}
