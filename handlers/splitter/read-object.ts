import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { openObjectBytes } from "./object-body";

/**
 * Opens the bytes of one source object for the splitter, from its start or from a checkpoint.
 *
 * - Every read carries If-Match on the pinned ETag, so a replaced object is never mixed with its
 *   successor (the successor has its own S3 event).
 * - From the start: the body is gunzipped when it starts with the gzip magic bytes.
 * - From a checkpoint of a plain object: a Range GET from the byte offset of the next line.
 * - From a checkpoint of a gzip object: decompressed offsets can't be Range-read, so the object
 *   is read again from its start and `skipLines` lines are dropped by the caller. That costs one
 *   more download and gunzip of everything before the checkpoint, per continuation.
 */
export interface ObjectStart {
    /** 0 or the byte offset of the next line. */
    offset: number;
    /** The object is known to be gzip (from the checkpoint). */
    gzip: boolean;
}

export type OpenedObject =
    | { status: "open"; eTag?: string; gzip: boolean; chunks: AsyncIterable<Uint8Array>; startOffset: number; rangeRead: boolean }
    | { status: "missing" | "replaced" | "past-end" };

export async function openSourceObject(s3: S3Client, ref: { bucket: string; key: string; eTag?: string }, start: ObjectStart): Promise<OpenedObject> {
    const ranged = start.offset > 0 && !start.gzip;
    let response;
    try {
        response = await s3.send(
            new GetObjectCommand({
                Bucket: ref.bucket,
                Key: ref.key,
                IfMatch: ref.eTag ? quoted(ref.eTag) : undefined,
                Range: ranged ? `bytes=${start.offset}-` : undefined,
            }),
        );
    } catch (error) {
        const status = skippedStatus(error);
        if (!status) throw error;
        return { status };
    }
    const eTag = ref.eTag ?? response.ETag?.replace(/"/g, "");
    const body = response.Body as AsyncIterable<Uint8Array>;
    if (ranged) return { status: "open", eTag, gzip: false, chunks: body, startOffset: start.offset, rangeRead: true };
    const bytes = await openObjectBytes(body);
    if (start.gzip && !bytes.gzip) {
        throw new Error(`s3://${ref.bucket}/${ref.key} was gzip when the checkpoint was taken and is not now, under the same ETag ${ref.eTag}`);
    }
    return { status: "open", eTag, gzip: bytes.gzip, chunks: bytes.chunks, startOffset: 0, rangeRead: false };
}

function quoted(eTag: string): string {
    return eTag.startsWith('"') ? eTag : `"${eTag}"`;
}

/** Which skip a GetObject error means, or undefined when it must propagate. */
function skippedStatus(error: unknown): "missing" | "replaced" | "past-end" | undefined {
    const { name, $metadata } = (error ?? {}) as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (name === "NoSuchKey") return "missing";
    if (name === "PreconditionFailed" || $metadata?.httpStatusCode === 412) return "replaced";
    if (name === "InvalidRange" || $metadata?.httpStatusCode === 416) return "past-end";
    return undefined;
}
