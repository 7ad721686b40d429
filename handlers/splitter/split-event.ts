import type { Context, S3Event } from "aws-lambda";
import { decodeS3EventKey } from "./s3-event-key";
import { splitObject, type ObjectSummary, type SplitterDeps } from "./split-object";

/** What one splitter invocation did, summed over the objects of its event. */
export interface SplitterResult {
    /** Objects read to the end. */
    objects: number;
    /** Objects deleted before they could be read (logged and skipped). */
    missingObjects: number;
    /** Objects whose ETag no longer matched the event's (their own event splits them). */
    replacedObjects: number;
    /** Objects that were gzip-compressed and read through gunzip. */
    gzipObjects: number;
    /** Physical lines read: recordsPut + blankLines + deadLettered. */
    lines: number;
    recordsPut: number;
    blankLines: number;
    deadLettered: number;
    putRequests: number;
    retriedEntries: number;
    /** One summary per S3 record of the event, in order. */
    details: ObjectSummary[];
}

/** Splits every created object of an S3 event, one after another. */
export async function splitEvent(event: S3Event, deps: SplitterDeps, context: Pick<Context, "getRemainingTimeInMillis">): Promise<SplitterResult> {
    const result: SplitterResult = {
        objects: 0,
        missingObjects: 0,
        replacedObjects: 0,
        gzipObjects: 0,
        lines: 0,
        recordsPut: 0,
        blankLines: 0,
        deadLettered: 0,
        putRequests: 0,
        retriedEntries: 0,
        details: [],
    };
    // An s3:TestEvent (sent when a notification is configured) has no Records.
    for (const record of event.Records ?? []) {
        if (!record.eventName?.startsWith("ObjectCreated:")) {
            deps.logger.info("ignored an event that is not ObjectCreated", { eventName: record.eventName });
            continue;
        }
        const summary = await splitObject(
            { bucket: record.s3.bucket.name, key: decodeS3EventKey(record.s3.object.key), eTag: record.s3.object.eTag || undefined },
            deps,
            context,
        );
        result.details.push(summary);
        if (summary.status === "split") result.objects++;
        if (summary.status === "missing") result.missingObjects++;
        if (summary.status === "replaced") result.replacedObjects++;
        if (summary.gzip) result.gzipObjects++;
        result.lines += summary.lines;
        result.recordsPut += summary.recordsPut;
        result.blankLines += summary.blankLines;
        result.deadLettered += summary.deadLettered;
        result.putRequests += summary.putRequests;
        result.retriedEntries += summary.retriedEntries;
    }
    return result;
}
