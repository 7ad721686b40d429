import type { KinesisStreamRecord } from "aws-lambda";
import { DeadLetterReason } from "../shared/dead-letter";
import { parseJsonKeepingLargeIntegers } from "../shared/exact-id";
import { renderOutputKey, type OutputKeyTemplate } from "../shared/output-key";
import { decodeRecord, type LineSource } from "../shared/record-envelope";

/**
 * What the writer will do with one Kinesis record: write the line's exact bytes under its output
 * key, or dead-letter it as poison (it can never succeed, so retrying it would only block the shard).
 * Details never quote the line, so they are safe to log.
 */
export type LineOutcome = WriteOutcome | PoisonOutcome;

export interface WriteOutcome {
    kind: "write";
    sequenceNumber: string;
    source: LineSource;
    key: string;
    body: Buffer;
}

export interface PoisonOutcome {
    kind: "poison";
    sequenceNumber: string;
    partitionKey: string;
    reason: DeadLetterReason;
    detail: string;
    /** Present when the envelope could be read. */
    source?: LineSource;
    /** The line, or the whole record data when the envelope is unreadable. */
    bytes: Buffer;
}

export function decodeLine(record: KinesisStreamRecord, template: OutputKeyTemplate): LineOutcome {
    const { sequenceNumber, partitionKey } = record.kinesis;
    const data = Buffer.from(record.kinesis.data, "base64");
    const poison = (reason: DeadLetterReason, detail: string, source?: LineSource, bytes: Buffer = data): PoisonOutcome => ({
        kind: "poison",
        sequenceNumber,
        partitionKey,
        reason,
        detail,
        ...(source ? { source } : {}),
        bytes,
    });

    let source: LineSource;
    let body: Buffer;
    try {
        ({ source, body } = decodeRecord(data));
    } catch (error) {
        return poison(DeadLetterReason.invalidEnvelope, `record is not a kinesis-fanout envelope: ${(error as Error).message}`);
    }

    let text: string;
    try {
        // fatal: malformed UTF-8 is an error, not U+FFFD; ignoreBOM keeps a BOM as a character (JSON.parse then rejects it).
        text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body);
    } catch {
        return poison(DeadLetterReason.invalidEncoding, "line is not valid UTF-8", source, body);
    }

    let parsed: unknown;
    try {
        parsed = parseJsonKeepingLargeIntegers(text);
    } catch (error) {
        // The parser's message can quote the line; keep only where it failed.
        const position = /at position (\d+)/.exec((error as Error).message)?.[1];
        return poison(DeadLetterReason.invalidJson, `line is not valid JSON${position ? ` (at position ${position})` : ""}`, source, body);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        const kind = parsed === null ? "null" : Array.isArray(parsed) ? "an array" : `a ${typeof parsed}`;
        return poison(DeadLetterReason.notAnObject, `line is JSON ${kind}; a JSON object is required`, source, body);
    }

    const rendered = renderOutputKey(template, ownFields(parsed as Record<string, unknown>, template.fields));
    if ("error" in rendered) return poison(DeadLetterReason.unsafeId, rendered.error, source, body);
    return { kind: "write", sequenceNumber, source, key: rendered.key, body };
}

/** Only the object's own fields, so that `{constructor}` or `{toString}` never read the prototype. */
function ownFields(object: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
    const own = Object.create(null) as Record<string, unknown>;
    for (const field of fields) {
        if (Object.prototype.hasOwnProperty.call(object, field)) own[field] = object[field];
    }
    return own;
}
