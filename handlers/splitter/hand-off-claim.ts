import { createHash } from "node:crypto";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";

/**
 * Each start of a splitter chain's link (the S3 event's invocation, or a continuation at a byte
 * offset) is claimed once, so that a duplicated event or a second hand-off never starts a second
 * chain over the same lines.
 *
 * AWS: a function may "receive the same event multiple times" (invocation-async-error-handling),
 * and a failed or timed-out invocation is retried with the same event. Two chains over one file
 * write the same ids at different times, so the writer's "later line wins" no longer holds.
 *
 * The claim is a conditional PutObject (`If-None-Match: *`, S3 conditional writes) of a marker at
 * `HAND_OFF_CLAIM_PREFIX<hash of bucket, key, ETag, chain>/<offset>`, whose body names the
 * claiming request id. When the claim fails (412 PreconditionFailed), the marker is read: if this
 * same request id wrote it, this is Lambda's retry of the same event (retries keep their request
 * id), which goes on; anyone else's claim means a duplicate, which is skipped.
 *
 * When an invocation hands off at offset X, it first writes X into its own marker. A retry of it
 * then reads only up to X and hands off at X again, where the continuation's claim stops the copy.
 *
 * The markers live in the output bucket (it triggers nothing); they are about 100 bytes each.
 */
export const HAND_OFF_CLAIM_PREFIX = "_kinesis-fanout/hand-off-claims/";

export interface ChainLink {
    bucket: string;
    key: string;
    eTag?: string;
    /** The S3 event's sequencer (one upload); absent for events without one. */
    chain?: string;
    /** Byte offset where this link starts reading (0 for the S3 event's invocation). */
    offset: number;
}

export interface HandOffPoint {
    offset: number;
    line: number;
}

/** claimed: first here; retry: this request id claimed it before (with where it handed off, if it did); taken: someone else's. */
export type ClaimOutcome = { status: "claimed" } | { status: "retry"; handedOffAt?: HandOffPoint } | { status: "taken"; by: string };

interface Marker {
    requestId: string;
    handedOffAt?: HandOffPoint;
}

export function claimKey(link: ChainLink): string {
    const object = createHash("sha256").update(JSON.stringify([link.bucket, link.key, link.eTag ?? "", link.chain ?? ""])).digest("hex");
    return `${HAND_OFF_CLAIM_PREFIX}${object}/${link.offset}`;
}

function isPreconditionFailed(error: unknown): boolean {
    const failure = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    return failure?.name === "PreconditionFailed" || failure?.$metadata?.httpStatusCode === 412;
}

function isConditionalConflict(error: unknown): boolean {
    const failure = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    return failure?.name === "ConditionalRequestConflict" || failure?.$metadata?.httpStatusCode === 409;
}

function putMarker(s3: S3Client, bucket: string, key: string, marker: Marker, onlyIfAbsent: boolean) {
    return s3.send(
        new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: JSON.stringify(marker),
            ContentType: "application/json",
            ...(onlyIfAbsent ? { IfNoneMatch: "*" } : {}),
        }),
    );
}

/** Claims a link for this request id; see the module comment for the three outcomes. */
export async function claimLink(s3: S3Client, bucket: string, link: ChainLink, requestId: string): Promise<ClaimOutcome> {
    const key = claimKey(link);
    // S3 answers 409 ConditionalRequestConflict when another conditional write to the key is in flight: try again.
    for (let attempt = 1; ; attempt++) {
        try {
            await putMarker(s3, bucket, key, { requestId }, true);
            return { status: "claimed" };
        } catch (error) {
            if (isConditionalConflict(error) && attempt < 3) continue;
            if (!isPreconditionFailed(error) && !isConditionalConflict(error)) throw error;
            break;
        }
    }
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const marker = JSON.parse(await response.Body!.transformToString("utf8")) as Marker;
    if (marker.requestId !== requestId) return { status: "taken", by: marker.requestId };
    return marker.handedOffAt ? { status: "retry", handedOffAt: marker.handedOffAt } : { status: "retry" };
}

/** Records, in this request's own marker, where it handed off; called before the continuation is invoked. */
export async function recordHandOff(s3: S3Client, bucket: string, link: ChainLink, requestId: string, at: HandOffPoint): Promise<void> {
    await putMarker(s3, bucket, claimKey(link), { requestId, handedOffAt: at }, false);
}
