import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { WRITER_S3_CLIENT_OPTIONS } from "../../handlers/writer";
import { httpHandler, isLoopback, LOCAL_CREDENTIALS } from "./aws-clients";
import { ensureBucket } from "./provision";

/**
 * The S3 endpoint's raw PutObject rate with the same SDK client and the same number of calls in
 * flight as the pipeline's writers at most: the local ceiling a pipeline run is measured against.
 */
export interface S3PutRate {
    objects: number;
    bytes: number;
    concurrency: number;
    seconds: number;
    putsPerSecond: number;
}

/** A client for the raw S3 endpoint (no AWS profile, no fault proxy) configured like the writer's: same SDK, same checksum settings. */
export function ceilingClient(region: string, endpoint: string | undefined): S3Client {
    return new S3Client({
        ...WRITER_S3_CLIENT_OPTIONS,
        region,
        requestHandler: httpHandler(128),
        ...(isLoopback(endpoint) ? { credentials: LOCAL_CREDENTIALS } : {}),
        endpoint,
        forcePathStyle: endpoint !== undefined,
    });
}

export async function measureS3PutRate(
    s3: S3Client,
    bucket: string,
    options: { objects: number; bytes: number; concurrency: number },
): Promise<S3PutRate> {
    await ensureBucket(s3, bucket);
    const body = Buffer.alloc(options.bytes, "x");
    const limit = pLimit(options.concurrency);
    const started = process.hrtime.bigint();
    await Promise.all(
        Array.from({ length: options.objects }, (_, index) =>
            limit(() => s3.send(new PutObjectCommand({ Bucket: bucket, Key: `ceiling/${index}.json`, Body: body }))),
        ),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { ...options, seconds, putsPerSecond: options.objects / seconds };
}
