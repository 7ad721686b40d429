/**
 * S3 object keys as S3 writes them in event records and as it wants them in a notification's
 * key filter. No Pulumi import: the splitter component, the runtime's S3 trigger and its events
 * use the same encoding.
 *
 * S3 ("Configuring event notifications using object key name filtering"): "If your prefix or
 * suffix contains a space, you must replace it with the "+" character. If you use any other special
 * characters in the value of the prefix or suffix, you must enter them in URL-encoded
 * (percent-encoded) format." So `inputPrefix: "raw data/"` must be saved as `raw+data/`, or uploads
 * under it never trigger; the IAM resource that lets the splitter read them names the raw key.
 * The runtime models this as S3 matching the filter against the key in its event encoding (form
 * encoding: `+` for a space, `/` kept, other reserved characters %-encoded).
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
