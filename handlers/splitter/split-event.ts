import type { Context, S3Event } from "aws-lambda";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { DeadLetterReason, deadLetterBody, deadLetterMessage } from "../shared/dead-letter";
import { createHandOffClock, invokeContinuation, isContinuationEvent, parseCheckpoint, type SplitCheckpoint } from "./continuation";
import { claimLink, recordHandOff, type ChainLink } from "./hand-off-claim";
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
    /** Events (or records) skipped because another invocation had already claimed that link of the chain. */
    duplicatesSkipped: number;
    /** Chains stopped at MAX_CHAIN_INVOCATIONS, their checkpoint dead-lettered. */
    chainsCapped: number;
    /** One summary per S3 record of the event (or one for a continuation), in order. */
    details: ObjectSummary[];
}

type SplitterContext = Pick<Context, "getRemainingTimeInMillis" | "functionName"> & Partial<Pick<Context, "awsRequestId">>;

/**
 * Splits every created object of an S3 event, one after another, or carries on with one object
 * from a continuation's checkpoint. When time runs short, each object not finished (the one being
 * read, and any not started) is handed off to a continuation of its own.
 */
export async function splitEvent(event: SplitterEvent, deps: SplitterDeps, context: SplitterContext): Promise<SplitterResult> {
    const result = emptyResult();
    const chain = chainOf(deps, context, result);
    if (isContinuationEvent(event)) {
        await continueChain(parseCheckpoint(event), deps, chain, result);
        return result;
    }
    // An s3:TestEvent (sent when a notification is configured) has no Records.
    for (const record of (event as S3Event).Records ?? []) {
        await splitRecord(record, deps, chain, result);
    }
    return result;
}

function emptyResult(): SplitterResult {
    return {
        objects: 0,
        missingObjects: 0,
        replacedObjects: 0,
        gzipObjects: 0,
        handedOff: 0,
        duplicatesSkipped: 0,
        chainsCapped: 0,
        lines: 0,
        recordsPut: 0,
        blankLines: 0,
        deadLettered: 0,
        putRequests: 0,
        retriedEntries: 0,
        details: [],
    };
}

/** An earlier attempt of this request already handed off at this line: the retry hands off there again. */
type Claimed = { handOffAt?: { line: number } };

/** How this invocation takes part in its file's chain of invocations: its clock, claims and hand-offs. */
interface Chain {
    clock: ReturnType<typeof createHandOffClock>;
    /** Hands the rest of an object on: to a continuation, or to the dead-letter queue past the chain's cap. */
    handOffFrom(link: ChainLink | undefined): (checkpoint: SplitCheckpoint) => Promise<void>;
    /** Claims the link; undefined when another invocation already holds it (a duplicate: skip it). */
    claim(link: ChainLink): Promise<Claimed | undefined>;
    controlFor(invocation: number, link: ChainLink, claimed: Claimed): SplitControl;
}

function chainOf(deps: SplitterDeps, context: SplitterContext, result: SplitterResult): Chain {
    const clock = createHandOffClock(context);
    const requestId = context.awsRequestId ?? "unknown";
    const claimBucket = deps.config.handOffClaimBucket;
    const handOffFrom = (link: ChainLink | undefined) => async (checkpoint: SplitCheckpoint) => {
        if (checkpoint.invocation > deps.config.maxChainInvocations) {
            await deadLetterCappedChain(deps, checkpoint);
            result.chainsCapped++;
            deps.metrics?.add("ChainsCapped");
            return;
        }
        if (!deps.lambda) throw new Error("the splitter needs a Lambda client to hand the rest of an object off to a new invocation");
        // A retry of this request then hands off here again, and the continuation's own claim stops the copy.
        if (link && claimBucket) await recordHandOff(deps.s3, claimBucket, link, requestId, { offset: checkpoint.offset, line: checkpoint.line });
        await invokeContinuation(deps.lambda, context.functionName, checkpoint);
        deps.metrics?.add("HandOffs");
    };
    const claim = async (link: ChainLink): Promise<Claimed | undefined> => {
        if (!claimBucket) return {};
        const outcome = await claimLink(deps.s3, claimBucket, link, requestId);
        if (outcome.status === "taken") {
            deps.logger.info("this link of the chain was already claimed by another invocation; duplicate skipped", { ...link, claimedBy: outcome.by });
            result.duplicatesSkipped++;
            return undefined;
        }
        return outcome.status === "retry" && outcome.handedOffAt ? { handOffAt: { line: outcome.handedOffAt.line } } : {};
    };
    const controlFor = (invocation: number, link: ChainLink, claimed: Claimed): SplitControl => ({ clock, invocation, handOff: handOffFrom(link), ...claimed });
    return { clock, handOffFrom, claim, controlFor };
}

/** A continuation: claims its link, then reads on from the checkpoint. */
async function continueChain(checkpoint: SplitCheckpoint, deps: SplitterDeps, chain: Chain, result: SplitterResult): Promise<void> {
    const ref = { bucket: checkpoint.bucket, key: checkpoint.key, eTag: checkpoint.eTag, chain: checkpoint.chain };
    const link: ChainLink = { ...ref, offset: checkpoint.offset };
    const claimed = await chain.claim(link);
    if (!claimed) return;
    const resume = checkpoint.line > 1 ? { offset: checkpoint.offset, line: checkpoint.line, gzip: checkpoint.gzip } : undefined;
    add(result, await splitObject(ref, deps, chain.controlFor(checkpoint.invocation, link, claimed), resume));
}

/** One record of an S3 event: split it, or hand it off unstarted when time is already short. */
async function splitRecord(record: S3Event["Records"][number], deps: SplitterDeps, chain: Chain, result: SplitterResult): Promise<void> {
    if (!record.eventName?.startsWith("ObjectCreated:")) {
        deps.logger.info("ignored an event that is not ObjectCreated", { eventName: record.eventName });
        return;
    }
    const ref = {
        bucket: record.s3.bucket.name,
        key: decodeS3EventKey(record.s3.object.key),
        eTag: record.s3.object.eTag || undefined,
        chain: record.s3.object.sequencer || undefined,
    };
    if (chain.clock.shouldHandOff()) {
        // Not started: its continuation reads it from the start, and claims the start itself.
        const summary: ObjectSummary = { ...emptySummary(ref, 1), status: "handed-off" };
        summary.continuation = checkpointFor(ref, { offset: 0, line: 1, gzip: false }, 2);
        await chain.handOffFrom(undefined)(summary.continuation);
        add(result, summary);
        return;
    }
    const link: ChainLink = { ...ref, offset: 0 };
    const claimed = await chain.claim(link);
    if (!claimed) return;
    add(result, await splitObject(ref, deps, chain.controlFor(1, link, claimed)));
    chain.clock.noteProgress();
}

/** The chain reached its cap: the checkpoint goes to the dead-letter queue, with why, instead of a new invocation. */
async function deadLetterCappedChain(deps: SplitterDeps, checkpoint: SplitCheckpoint): Promise<void> {
    const message = deadLetterMessage({
        stage: "splitter",
        reason: DeadLetterReason.chainTooLong,
        detail: `s3://${checkpoint.bucket}/${checkpoint.key}: invocation ${checkpoint.invocation} would pass the chain's cap of ${deps.config.maxChainInvocations} invocations (MAX_CHAIN_INVOCATIONS); lines from ${checkpoint.line} on were not split. To go on, invoke the splitter with this checkpoint, its invocation set back to 2.`,
        source: { bucket: checkpoint.bucket, key: checkpoint.key, line: checkpoint.line, ...(checkpoint.eTag ? { etag: checkpoint.eTag } : {}) },
        checkpoint: { ...checkpoint },
    });
    await deps.sqs.send(new SendMessageCommand({ QueueUrl: deps.config.deadLetterQueueUrl, MessageBody: deadLetterBody(message) }));
    deps.logger.error("the splitter chain reached its cap; the checkpoint was dead-lettered instead of invoking again", { ...checkpoint });
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
