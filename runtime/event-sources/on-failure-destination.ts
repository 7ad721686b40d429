import { createHash, randomUUID } from "node:crypto";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { KinesisStreamEvent } from "aws-lambda";
import type { KinesisOnFailureRecord } from "./kinesis-on-failure-record";

/**
 * Where an event source mapping sends the record of a batch it discards
 * (kinesis-on-failure-destination): an SQS queue gets the metadata document alone; an S3 bucket
 * gets it with the batch itself, as AWS does: "For Amazon S3 destinations, Lambda also sends the
 * entire invocation record along with the metadata" (Lambda developer guide, "Retain discarded
 * batch records for a Kinesis Data Streams event source in Lambda").
 */
export interface OnFailureDestination {
    /** Resolves once the destination has the record; throws when it refused it (the mapping retries). */
    send(document: KinesisOnFailureRecord, event: KinesisStreamEvent): Promise<void>;
}

/** The S3 document: the metadata plus `payload`, the invocation event the function was given. */
export interface KinesisOnFailureS3Record extends KinesisOnFailureRecord {
    payload: KinesisStreamEvent;
}

export function sqsOnFailureDestination(sqs: SQSClient, queueUrl: string): OnFailureDestination {
    return {
        async send(document) {
            await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(document) }));
        },
    };
}

export function s3OnFailureDestination(s3: S3Client, bucket: string, mappingUuid: string): OnFailureDestination {
    return {
        async send(document, event) {
            const body: KinesisOnFailureS3Record = { ...document, payload: event };
            const key = onFailureObjectKey(mappingUuid, document.KinesisBatchInfo.shardId, new Date(document.timestamp), randomUUID());
            await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(body), ContentType: "application/json" }));
        },
    };
}

/**
 * AWS's object key for an on-failure record in S3: "The S3 object containing the invocation record
 * uses the following naming convention: aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>"
 * (kinesis-on-failure-destination; the same text is quoted by LocalStack's stream poller). UTC.
 */
export function onFailureObjectKey(mappingUuid: string, shardId: string, at: Date, randomId: string): string {
    const iso = at.toISOString();
    const day = iso.slice(0, 10);
    const time = iso.slice(11, 19).replace(/:/g, ".");
    return `aws/lambda/${mappingUuid}/${shardId}/${day.replace(/-/g, "/")}/${day}T${time}-${randomId}`;
}

/** A stable UUID-shaped id for the local mapping of one function on one stream (AWS gives each mapping a UUID). */
export function localMappingUuid(functionArn: string, streamArn: string): string {
    const hex = createHash("sha256").update(`${functionArn}\n${streamArn}`).digest("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
