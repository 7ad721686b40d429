/**
 * Realistic Lambda events and contexts for handler tests, shaped like the ones AWS delivers (and
 * like Powertools' own test factories, such as kinesisRecordFactory).
 */
import { randomUUID } from "node:crypto";
import type { Context, KinesisStreamEvent, KinesisStreamRecord, S3Event, S3EventRecord } from "aws-lambda";

export const TEST_REGION = "us-east-1";
export const TEST_ACCOUNT = "123456789012";

/** Encodes a key the way S3 event notifications do: URL-encoded, with `+` for a space. */
export function encodeS3EventKey(key: string): string {
    return encodeURIComponent(key).replace(/%20/g, "+").replace(/%2F/g, "/");
}

export interface S3ObjectCreatedOptions {
    bucket: string;
    /** The object's real key; the event carries it URL-encoded. */
    key: string;
    eTag?: string;
    size?: number;
    eventName?: string;
}

export function s3ObjectCreatedRecord(options: S3ObjectCreatedOptions): S3EventRecord {
    return {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: TEST_REGION,
        eventTime: new Date().toISOString(),
        eventName: options.eventName ?? "ObjectCreated:Put",
        userIdentity: { principalId: "AWS:AIDAEXAMPLEUSER" },
        requestParameters: { sourceIPAddress: "203.0.113.10" },
        responseElements: { "x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD" },
        s3: {
            s3SchemaVersion: "1.0",
            configurationId: "splitter-trigger",
            bucket: { name: options.bucket, ownerIdentity: { principalId: "A3NL1KOZZKExample" }, arn: `arn:aws:s3:::${options.bucket}` },
            object: {
                key: encodeS3EventKey(options.key),
                size: options.size ?? 0,
                eTag: options.eTag ?? "",
                sequencer: "0055AED6DCD90281E5",
            },
        },
    };
}

export function s3ObjectCreatedEvent(...objects: S3ObjectCreatedOptions[]): S3Event {
    return { Records: objects.map(s3ObjectCreatedRecord) };
}

let nextSequence = 49590338271490256608559692538361571095921575989136588898n;

/** A new sequence number, larger than every one before it (56 digits, as Kinesis issues them). */
export function nextSequenceNumber(): string {
    nextSequence += 1000n;
    return nextSequence.toString();
}

export interface KinesisRecordOptions {
    sequenceNumber?: string;
    partitionKey?: string;
    streamName?: string;
    shardId?: string;
}

export function kinesisRecordFactory(data: Buffer | string, options: KinesisRecordOptions = {}): KinesisStreamRecord {
    const sequenceNumber = options.sequenceNumber ?? nextSequenceNumber();
    const streamName = options.streamName ?? "fanout-stream";
    const shardId = options.shardId ?? "shardId-000000000000";
    return {
        kinesis: {
            kinesisSchemaVersion: "1.0",
            partitionKey: options.partitionKey ?? "1",
            sequenceNumber,
            data: Buffer.from(data).toString("base64"),
            approximateArrivalTimestamp: Date.now() / 1000,
        },
        eventSource: "aws:kinesis",
        eventVersion: "1.0",
        eventID: `${shardId}:${sequenceNumber}`,
        eventName: "aws:kinesis:record",
        invokeIdentityArn: `arn:aws:iam::${TEST_ACCOUNT}:role/fanout-writer-role`,
        awsRegion: TEST_REGION,
        eventSourceARN: `arn:aws:kinesis:${TEST_REGION}:${TEST_ACCOUNT}:stream/${streamName}`,
    };
}

export function kinesisEvent(records: KinesisStreamRecord[]): KinesisStreamEvent {
    return { Records: records };
}

/** A Lambda context whose remaining time counts down from `timeoutMs`. */
export function lambdaContext(functionName = "fanout-function", timeoutMs = 60_000): Context {
    const deadline = Date.now() + timeoutMs;
    return {
        callbackWaitsForEmptyEventLoop: true,
        functionName,
        functionVersion: "$LATEST",
        invokedFunctionArn: `arn:aws:lambda:${TEST_REGION}:${TEST_ACCOUNT}:function:${functionName}`,
        memoryLimitInMB: "512",
        awsRequestId: randomUUID(),
        logGroupName: `/aws/lambda/${functionName}`,
        logStreamName: "2025/01/01/[$LATEST]0123456789abcdef0123456789abcdef",
        getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
        done: () => undefined,
        fail: () => undefined,
        succeed: () => undefined,
    };
}
