import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { WRITER_S3_CLIENT_OPTIONS } from "../../handlers/writer";
import { httpHandler, isLoopback, LOCAL_CREDENTIALS } from "./aws-clients";
import { ensureBucket } from "./provision";

/**
 * The S3 endpoint's raw PutObject rate with the same SDK client settings and the same number of
 * calls in flight as the pipeline's writers at most: the local ceiling a pipeline run is measured
 * against. The first calls run slower while V8 compiles the client's code path, so a warm-up that
 * is not timed comes first: the rate is the endpoint's steady state, the highest honest ceiling.
 */
export interface S3PutRate {
    /** PutObject calls timed. */
    objects: number;
    /** PutObject calls made before timing started. */
    warmUpObjects: number;
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

async function putObjects(s3: S3Client, bucket: string, prefix: string, count: number, body: Buffer, concurrency: number): Promise<void> {
    const limit = pLimit(concurrency);
    await Promise.all(Array.from({ length: count }, (_, index) => limit(() => s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/${index}.json`, Body: body })))));
}

export async function measureS3PutRate(
    s3: S3Client,
    bucket: string,
    options: { objects: number; warmUpObjects: number; bytes: number; concurrency: number },
): Promise<S3PutRate> {
    await ensureBucket(s3, bucket);
    const body = Buffer.alloc(options.bytes, "x");
    await putObjects(s3, bucket, "warm-up", options.warmUpObjects, body, options.concurrency);
    const started = process.hrtime.bigint();
    await putObjects(s3, bucket, "ceiling", options.objects, body, options.concurrency);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { ...options, seconds, putsPerSecond: options.objects / seconds };
}
