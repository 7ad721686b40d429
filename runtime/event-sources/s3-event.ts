import { randomBytes } from "node:crypto";
import type { S3Event } from "aws-lambda";
import { encodeS3KeyText } from "../../handlers/shared/s3-key-encoding";

/**
 * The event S3 sends for a new object (notification-content-structure, version 2.1): the key is
 * URL-encoded the way a form is, with `+` for a space, and the eTag has no quotes.
 */

export interface CreatedObject {
    bucket: string;
    key: string;
    size: number;
    /** As ListObjectsV2 returns it (quoted); the event carries it unquoted. */
    etag: string;
    lastModified: Date;
}

/** `red flower.jpg` becomes `red+flower.jpg`; slashes stay, other reserved characters are %-encoded. */
export function encodeS3EventKey(key: string): string {
    return encodeS3KeyText(key);
}

/**
 * The event's name, as far as a listing tells the operation: a multipart upload's ETag ends in
 * `-<parts>`, so it is `ObjectCreated:CompleteMultipartUpload`; anything else is taken for a
 * `ObjectCreated:Put` (a CopyObject or a POST can't be told from a listing; not modelled).
 */
export function objectCreatedEventName(etag: string): string {
    return /-\d+"?$/.test(etag) ? "ObjectCreated:CompleteMultipartUpload" : "ObjectCreated:Put";
}

let sequence = 0;

/** A hexadecimal string that grows with each event, like S3's `sequencer`. */
function nextSequencer(): string {
    sequence++;
    return (BigInt(Date.now()) * 1_000_000n + BigInt(sequence % 1_000_000)).toString(16).toUpperCase().padStart(18, "0");
}

export function objectCreatedEvent(object: CreatedObject, region: string, configurationId: string): S3Event {
    return {
        Records: [
            {
                eventVersion: "2.1",
                eventSource: "aws:s3",
                awsRegion: region,
                eventTime: object.lastModified.toISOString(),
                eventName: objectCreatedEventName(object.etag),
                userIdentity: { principalId: "AWS:LOCAL" },
                requestParameters: { sourceIPAddress: "127.0.0.1" },
                responseElements: {
                    "x-amz-request-id": randomBytes(8).toString("hex").toUpperCase(),
                    "x-amz-id-2": randomBytes(32).toString("base64"),
                },
                s3: {
                    s3SchemaVersion: "1.0",
                    configurationId,
                    bucket: { name: object.bucket, ownerIdentity: { principalId: "LOCAL" }, arn: `arn:aws:s3:::${object.bucket}` },
                    object: {
                        key: encodeS3EventKey(object.key),
                        size: object.size,
                        eTag: object.etag.replace(/^"|"$/g, ""),
                        sequencer: nextSequencer(),
                    },
                },
            },
        ],
    };
}
