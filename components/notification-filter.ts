/**
 * The prefix and suffix of an S3 event notification's key filter, as S3 wants them written.
 *
 * S3 ("Configuring event notifications using object key name filtering"): the filter values are
 * matched against the URL-encoded key, so a special character in a prefix or suffix must be
 * URL-encoded, and a space written as `+`. `raw data/` must be given as `raw+data/`, or uploads
 * under it never trigger. The IAM resource that lets the splitter read those objects names the raw
 * key (`.../raw data/*`): only the notification is encoded.
 *
 * The encoding is the one S3 uses for keys in event records (form encoding: `+` for a space, `/`
 * kept, other reserved characters %-encoded), so a filter matches exactly the keys whose encoded
 * form starts (or ends) with it. No Pulumi import: the runtime's S3 trigger matches with it too.
 */
export function encodeS3KeyText(text: string): string {
    return encodeURIComponent(text).replace(/%20/g, "+").replace(/%2F/g, "/");
}

/** A notification filter value: the encoded text, or undefined for an empty filter (every key). */
export function notificationFilterValue(raw: string): string | undefined {
    return raw === "" ? undefined : encodeS3KeyText(raw);
}

/** Whether S3 delivers an event for this (raw) key under a notification with these encoded filter values. */
export function matchesNotificationFilter(key: string, filter: { prefix?: string; suffix?: string }): boolean {
    const encoded = encodeS3KeyText(key);
    return encoded.startsWith(filter.prefix ?? "") && encoded.endsWith(filter.suffix ?? "");
}
