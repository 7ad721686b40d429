import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import type { KinesisStreamEvent } from "aws-lambda";
import { decodeRecord } from "../../handlers/shared/record-envelope";
import type { KinesisOnFailureS3Record } from "../event-sources/on-failure-destination";

/**
 * Reads the failure bucket: every on-failure record an event source mapping wrote there, under
 * AWS's `aws/lambda/<ESM-UUID>/<shardID>/...` keys (runtime/event-sources/on-failure-destination.ts).
 */
export const ON_FAILURE_KEY_PREFIX = "aws/lambda/";

export interface StoredFailedBatch {
    /** The object's key in the failure bucket. */
    key: string;
    lastModified?: Date;
    document: KinesisOnFailureS3Record;
}

export async function listFailedBatchKeys(s3: S3Client, bucket: string): Promise<Array<{ key: string; lastModified?: Date }>> {
    const keys: Array<{ key: string; lastModified?: Date }> = [];
    let token: string | undefined;
    do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: ON_FAILURE_KEY_PREFIX, ContinuationToken: token }));
        for (const object of page.Contents ?? []) keys.push({ key: object.Key!, lastModified: object.LastModified });
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
}

export async function readFailedBatch(s3: S3Client, bucket: string, key: string): Promise<KinesisOnFailureS3Record> {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = await response.Body!.transformToString("utf8");
    const document = JSON.parse(text) as KinesisOnFailureS3Record;
    if (!document?.KinesisBatchInfo || !Array.isArray(document.payload?.Records)) {
        throw new Error(`s3://${bucket}/${key} is not a Kinesis on-failure record with its payload (no KinesisBatchInfo or payload.Records)`);
    }
    return document;
}

export async function readFailedBatches(s3: S3Client, bucket: string): Promise<StoredFailedBatch[]> {
    const keys = await listFailedBatchKeys(s3, bucket);
    return Promise.all(keys.map(async ({ key, lastModified }) => ({ key, lastModified, document: await readFailedBatch(s3, bucket, key) })));
}

/** The source lines (key and line number) the records of an invocation event carry; records this project did not write are skipped. */
export function sourceLinesOfEvent(event: KinesisStreamEvent): Array<{ key: string; line: number }> {
    const lines: Array<{ key: string; line: number }> = [];
    for (const record of event.Records) {
        try {
            const { source } = decodeRecord(Buffer.from(record.kinesis.data, "base64"));
            lines.push({ key: source.key, line: source.line });
        } catch {
            // Not one of this pipeline's records: it carries no line.
        }
    }
    return lines;
}
