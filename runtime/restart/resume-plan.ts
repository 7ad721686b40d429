import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { fileSha256, readRunManifest, writeRunManifest, type RunManifest } from "./run-manifest";

/**
 * How a run on a state folder starts: fresh (upload the input), or resuming an earlier run that
 * stopped. It resumes only when the manifest names the same input key and file digest, and the
 * bucket still holds that object with the manifest's ETag; then the upload is skipped, and the
 * splitter's event is delivered again unless the manifest says the splitter had finished.
 */
export interface InputPlan {
    /** Upload the input (false: it is already there, as the manifest says). */
    upload: boolean;
    /**
     * Deliver the object's event again at start: the earlier run's splitter had not finished with
     * it, or the object is there already without a matching manifest (an upload of the same bytes
     * keeps its ETag, and the notification, which polls for new ETags, would not see it).
     */
    redeliverSplit: boolean;
    /** The ETag of the object in the bucket, when it is already there. */
    etag?: string;
    sha256: string;
    /** Writes the manifest after an upload, and again when the splitter is done. */
    record(update: { etag?: string; splitDone?: boolean }): void;
}

export async function planInput(s3: S3Client, stateDir: string | undefined, input: { bucket: string; key: string; file: string }): Promise<InputPlan> {
    const sha256 = await fileSha256(input.file);
    const earlier = stateDir ? readRunManifest(stateDir) : undefined;
    const sameInput = earlier && earlier.inputBucket === input.bucket && earlier.inputKey === input.key && earlier.inputSha256 === sha256;
    const etag = await headEtag(s3, input.bucket, input.key);
    const resume = sameInput && etag !== undefined && unquote(etag) === unquote(earlier.inputEtag);

    let current: RunManifest | undefined = resume ? earlier : undefined;
    return {
        upload: !resume,
        redeliverSplit: resume ? !earlier.splitDone : etag !== undefined,
        etag: resume ? etag : undefined,
        sha256,
        record: (update) => {
            if (!stateDir) return;
            const inputEtag = update.etag ?? current?.inputEtag;
            if (!inputEtag) return;
            current = writeRunManifest(stateDir, {
                inputBucket: input.bucket,
                inputKey: input.key,
                inputEtag,
                inputSha256: sha256,
                splitDone: update.splitDone ?? (update.etag ? false : current?.splitDone ?? false),
            });
        },
    };
}

const unquote = (etag: string) => etag.replace(/"/g, "");

async function headEtag(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
    try {
        return (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag;
    } catch {
        return undefined;
    }
}
