import type { Context, S3Event } from "aws-lambda";
import { createHandOffClock, invokeContinuation, isContinuationEvent, parseCheckpoint, type SplitCheckpoint } from "./continuation";
import { decodeS3EventKey } from "./s3-event-key";
import { checkpointFor, emptySummary, splitObject, type ObjectSummary, type SplitControl, type SplitCounts, type SplitterDeps } from "./split-object";

/** What the splitter is invoked with: an S3 notification, or the checkpoint of its own continuation. */
export type SplitterEvent = S3Event | SplitCheckpoint;

/** What one splitter invocation did, summed over the objects of its event. */
export interface SplitterResult extends SplitCounts {
    /** Objects read to the end. */
    objects: number;
    /** Objects deleted before they could be read (logged and skipped). */
    missingObjects: number;
    /** Objects whose ETag no longer matched the event's (their own event splits them). */
    replacedObjects: number;
    /** Objects that were gzip-compressed and read through gunzip. */
    gzipObjects: number;
    /** Objects whose rest was handed off to a new invocation. */
    handedOff: number;
    /** One summary per S3 record of the event (or one for a continuation), in order. */
    details: ObjectSummary[];
}

type SplitterContext = Pick<Context, "getRemainingTimeInMillis" | "functionName">;

/**
 * Splits every created object of an S3 event, one after another, or carries on with one object
 * from a continuation's checkpoint. When time runs short, each object not finished (the one being
 * read, and any not started) is handed off to a continuation of its own.
 */
export async function splitEvent(event: SplitterEvent, deps: SplitterDeps, context: SplitterContext): Promise<SplitterResult> {
    const result: SplitterResult = {
        objects: 0,
        missingObjects: 0,
        replacedObjects: 0,
        gzipObjects: 0,
        handedOff: 0,
        lines: 0,
        recordsPut: 0,
        blankLines: 0,
        deadLettered: 0,
        putRequests: 0,
        retriedEntries: 0,
        details: [],
    };
    const clock = createHandOffClock(context);
    const handOff = async (checkpoint: SplitCheckpoint) => {
        if (!deps.lambda) throw new Error("the splitter needs a Lambda client to hand the rest of an object off to a new invocation");
        await invokeContinuation(deps.lambda, context.functionName, checkpoint);
    };

    if (isContinuationEvent(event)) {
        const checkpoint = parseCheckpoint(event);
        const control: SplitControl = { clock, invocation: checkpoint.invocation, handOff };
        const ref = { bucket: checkpoint.bucket, key: checkpoint.key, eTag: checkpoint.eTag };
        const resume = checkpoint.line > 1 ? { offset: checkpoint.offset, line: checkpoint.line, gzip: checkpoint.gzip } : undefined;
        add(result, await splitObject(ref, deps, control, resume));
        return result;
    }

    const control: SplitControl = { clock, invocation: 1, handOff };
    // An s3:TestEvent (sent when a notification is configured) has no Records.
    for (const record of (event as S3Event).Records ?? []) {
        if (!record.eventName?.startsWith("ObjectCreated:")) {
            deps.logger.info("ignored an event that is not ObjectCreated", { eventName: record.eventName });
            continue;
        }
        const ref = { bucket: record.s3.bucket.name, key: decodeS3EventKey(record.s3.object.key), eTag: record.s3.object.eTag || undefined };
        if (clock.shouldHandOff()) {
            // Not started: its continuation reads it from the start.
            const summary: ObjectSummary = { ...emptySummary(ref, 1), status: "handed-off" };
            summary.continuation = checkpointFor(ref, { offset: 0, line: 1, gzip: false }, 2);
            await handOff(summary.continuation);
            add(result, summary);
            continue;
        }
        add(result, await splitObject(ref, deps, control));
        clock.noteProgress();
    }
    return result;
}

function add(result: SplitterResult, summary: ObjectSummary): void {
    result.details.push(summary);
    if (summary.status === "split") result.objects++;
    if (summary.status === "missing") result.missingObjects++;
    if (summary.status === "replaced") result.replacedObjects++;
    if (summary.status === "handed-off") result.handedOff++;
    if (summary.gzip) result.gzipObjects++;
    result.lines += summary.lines;
    result.recordsPut += summary.recordsPut;
    result.blankLines += summary.blankLines;
    result.deadLettered += summary.deadLettered;
    result.putRequests += summary.putRequests;
    result.retriedEntries += summary.retriedEntries;
}
