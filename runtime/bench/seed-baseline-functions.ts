import { KinesisClient, PutRecordCommand } from "@aws-sdk/client-kinesis";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { KinesisStreamEvent, S3Event } from "aws-lambda";

/**
 * The seed article's own Lambda code, ported line for line from its Python, for `npm run bench`:
 * the splitter reads the whole file (`readlines()`) and calls `put_record` once per line with the
 * constant partition key 'test'; the writer stores each record with one `PutObject` at a time.
 * It reads the same environment variables as the project's handlers, and writes each line's
 * bytes unchanged so that the run can be verified the same way.
 */
export function createSeedSplitter(): (event: S3Event) => Promise<{ recordsPut: number }> {
    const s3 = new S3Client({});
    const kinesis = new KinesisClient({ requestHandler: new NodeHttpHandler() });
    return async (event) => {
        let recordsPut = 0;
        for (const record of event.Records) {
            const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, " "));
            const response = await s3.send(new GetObjectCommand({ Bucket: record.s3.bucket.name, Key: key }));
            const lines = (await response.Body!.transformToString()).split("\n");
            for (const line of lines) {
                if (line.length === 0) continue;
                await kinesis.send(new PutRecordCommand({ StreamName: process.env.STREAM_NAME, Data: Buffer.from(line), PartitionKey: "test" }));
                recordsPut++;
            }
        }
        return { recordsPut };
    };
}

export function createSeedWriter(): (event: KinesisStreamEvent) => Promise<void> {
    const s3 = new S3Client({});
    return async (event) => {
        for (const record of event.Records) {
            const data = Buffer.from(record.kinesis.data, "base64");
            const item = JSON.parse(data.toString("utf8"));
            const key = String(process.env.OUTPUT_KEY_TEMPLATE).replace("{original_id}", String(item.original_id));
            await s3.send(new PutObjectCommand({ Bucket: process.env.OUTPUT_BUCKET, Key: key, Body: data }));
        }
    };
}
