/**
 * How an event source mapping with ReportBatchItemFailures reads a function's response
 * (services-kinesis-batchfailurereporting, "Success and failure conditions"):
 * - a null or empty response, or a null or empty `batchItemFailures` list: the whole batch succeeded;
 * - identifiers that are sequence numbers of the batch: processing resumes from the lowest one;
 * - an empty or null `itemIdentifier`, a bad key name, or anything else it can't read: the whole
 *   batch failed. An identifier that is not in the batch is treated the same way, and so is a
 *   response that is not an object at all (a string, a number, a bare array): it is none of the
 *   four answers the page lists as success, and reading it as success would move the checkpoint
 *   past records that failed.
 */
import { lowestSequenceNumber } from "./sequence-numbers";

export type BatchResponseOutcome =
    | { kind: "success" }
    | { kind: "partial"; /** Index in the batch of the lowest failed record. */ resumeIndex: number }
    | { kind: "failure"; reason: string };

export function readBatchItemFailures(payload: unknown, batchSequenceNumbers: readonly string[]): BatchResponseOutcome {
    if (payload === null || payload === undefined) return { kind: "success" };
    // A string, a number or a bare array (`[{ itemIdentifier }]`, a common mistake) is no
    // EventResponse; counting it as success would move the checkpoint past real failures.
    if (typeof payload !== "object" || Array.isArray(payload)) {
        return { kind: "failure", reason: `the response is ${Array.isArray(payload) ? "an array" : `a ${typeof payload}`}, not an object with batchItemFailures` };
    }
    const failures = (payload as { batchItemFailures?: unknown }).batchItemFailures;
    if (failures === null || failures === undefined) return { kind: "success" };
    if (!Array.isArray(failures)) return { kind: "failure", reason: "batchItemFailures is not a list" };
    if (failures.length === 0) return { kind: "success" };
    const indexOf = new Map(batchSequenceNumbers.map((sequenceNumber, index) => [sequenceNumber, index]));
    const identifiers: string[] = [];
    for (const failure of failures) {
        const identifier = typeof failure === "object" && failure !== null ? (failure as { itemIdentifier?: unknown }).itemIdentifier : undefined;
        if (typeof identifier !== "string" || identifier === "") {
            return { kind: "failure", reason: "a batchItemFailures entry has no itemIdentifier (empty, null or a wrong key name)" };
        }
        if (!indexOf.has(identifier)) {
            return { kind: "failure", reason: `itemIdentifier ${identifier} is not a sequence number of this batch` };
        }
        identifiers.push(identifier);
    }
    const lowest = lowestSequenceNumber(identifiers) as string;
    return { kind: "partial", resumeIndex: indexOf.get(lowest) as number };
}
