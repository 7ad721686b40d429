import { createHash } from "node:crypto";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { HAND_OFF_CLAIM_PREFIX } from "../../handlers/splitter/hand-off-claim";
import type { ExpectedObject } from "./expected-output";

/**
 * Proves that a bucket holds exactly the expected objects, byte for byte, mostly without
 * downloading them. Listing the bucket gives every object's size and ETag; the ETag of an object
 * written by a single-part PutObject (no SSE-KMS, no SSE-C) is the MD5 of its body (S3 user
 * guide, "Checking object integrity"), so an ETag equal to the expected MD5 proves the bytes.
 * Any other ETag (a multipart upload's `<md5>-<parts>`, SSE-KMS, a store that computes it some
 * other way) is not taken as a verdict: that object's body is read and hashed.
 */
export interface ListedObject {
    size?: number;
    /** The ETag without its quotes. */
    etag?: string;
}

export type ObjectVerdict = "proven-by-etag" | "read-body" | "size-differs" | "missing";

export interface ObjectCheck {
    /** Expected keys whose exact bytes are in the bucket. */
    proven: string[];
    /** Expected keys whose object has other bytes. */
    mismatched: string[];
    /** Expected keys that are not in the bucket. */
    missing: string[];
    /** Keys in the bucket that are not expected. */
    unexpected: string[];
    /** How the proven and mismatched objects were judged: from the listing alone, or by reading the body. */
    judgedBy: { listing: number; body: number };
}

/** What the listing alone says about one expected object. */
export function verdictFromListing(expected: ExpectedObject, listed: ListedObject | undefined): ObjectVerdict {
    if (!listed) return "missing";
    if (listed.size !== undefined && listed.size !== expected.bytes) return "size-differs";
    return listed.etag === expected.md5 ? "proven-by-etag" : "read-body";
}

export async function listObjects(s3: S3Client, bucket: string): Promise<Map<string, ListedObject>> {
    const objects = new Map<string, ListedObject>();
    let token: string | undefined;
    do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        for (const object of page.Contents ?? []) objects.set(object.Key!, { size: object.Size, etag: object.ETag?.replace(/"/g, "").toLowerCase() });
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects;
}

async function bodyMatches(s3: S3Client, bucket: string, key: string, expected: ExpectedObject): Promise<boolean> {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = Buffer.from(await response.Body!.transformToByteArray());
    return body.length === expected.bytes && createHash("md5").update(body).digest("hex") === expected.md5;
}

export async function checkObjects(s3: S3Client, bucket: string, expected: Map<string, ExpectedObject>, concurrency = 64): Promise<ObjectCheck> {
    const listed = await listObjects(s3, bucket);
    const check: ObjectCheck = { proven: [], mismatched: [], missing: [], unexpected: [], judgedBy: { listing: 0, body: 0 } };
    const toRead: Array<[string, ExpectedObject]> = [];
    for (const [key, object] of expected) {
        const verdict = verdictFromListing(object, listed.get(key));
        if (verdict === "missing") check.missing.push(key);
        else if (verdict === "read-body") toRead.push([key, object]);
        else {
            check.judgedBy.listing++;
            (verdict === "proven-by-etag" ? check.proven : check.mismatched).push(key);
        }
    }
    const limit = pLimit(concurrency);
    const matches = await Promise.all(toRead.map(([key, object]) => limit(() => bodyMatches(s3, bucket, key, object))));
    toRead.forEach(([key], index) => (matches[index] ? check.proven : check.mismatched).push(key));
    check.judgedBy.body = toRead.length;
    // The splitter's hand-off claim markers share the output bucket; they are not output.
    check.unexpected = [...listed.keys()].filter((key) => !expected.has(key) && !key.startsWith(HAND_OFF_CLAIM_PREFIX));
    return check;
}
