/**
 * S3 event notifications carry object keys URL-encoded, with `+` for a space
 * (docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html).
 */
export function decodeS3EventKey(key: string): string {
    return decodeURIComponent(key.replace(/\+/g, " "));
}
