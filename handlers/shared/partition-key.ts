import { createHash } from "node:crypto";

/**
 * How the splitter picks each record's partition key, and so its shard.
 *
 * - `field:<name>`: the value of a top-level JSON field (for example `field:original_id`). Records
 *   with the same id stay in order; an id over 256 characters is keyed by its MD5 instead. A line
 *   that is not JSON or lacks the field falls back to `line-hash`, and the writer dead-letters it.
 * - `line-hash`: MD5 of source key and line number, which spreads lines evenly over shards.
 * - `constant:<value>`: every record gets the same key, as in the seed article. One shard takes
 *   all writes, and ParallelizationFactor cannot help, because order is kept per key.
 *
 * Kinesis allows partition keys of 1 to 256 Unicode characters.
 */
export type PartitionKeyStrategy =
    | { kind: "field"; field: string }
    | { kind: "line-hash" }
    | { kind: "constant"; value: string };

export const PARTITION_KEY_MAX_LENGTH = 256;
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** Parses a `partitionKey` setting; throws an Error that says what is allowed. */
export function parsePartitionKey(text: string): PartitionKeyStrategy {
    const allowed = "`field:<json field>`, `line-hash` or `constant:<value>`";
    if (text === "line-hash") return { kind: "line-hash" };
    if (text.startsWith("field:")) {
        const field = text.slice("field:".length);
        if (!FIELD_NAME.test(field)) {
            throw new Error(`the field name must be letters, digits and _ (got "${field}"); allowed: ${allowed}`);
        }
        return { kind: "field", field };
    }
    if (text.startsWith("constant:")) {
        const value = text.slice("constant:".length);
        if (value.length < 1 || [...value].length > PARTITION_KEY_MAX_LENGTH) {
            throw new Error(`a constant key must be 1 to ${PARTITION_KEY_MAX_LENGTH} characters (got ${value.length})`);
        }
        return { kind: "constant", value };
    }
    throw new Error(`must be ${allowed} (got "${text}")`);
}

/** The key of the line-hash strategy: hex MD5 of `<source key>:<line number>`. */
export function lineHashKey(sourceKey: string, lineNumber: number): string {
    return createHash("md5").update(`${sourceKey}:${lineNumber}`).digest("hex");
}

/**
 * The partition key for one line. `parsed` is the line's JSON when the caller already parsed it,
 * or undefined when the line is not a JSON object.
 */
export function partitionKeyFor(
    strategy: PartitionKeyStrategy,
    parsed: unknown,
    sourceKey: string,
    lineNumber: number,
): string {
    if (strategy.kind === "constant") return strategy.value;
    if (strategy.kind === "field" && parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
        const value = (parsed as Record<string, unknown>)[strategy.field];
        if ((typeof value === "string" && value.length > 0) || typeof value === "number") {
            const key = String(value);
            // A longer id still keys by itself, through its digest, so its lines stay in order.
            return [...key].length <= PARTITION_KEY_MAX_LENGTH ? key : createHash("md5").update(key).digest("hex");
        }
    }
    return lineHashKey(sourceKey, lineNumber);
}
