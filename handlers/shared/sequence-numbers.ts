/**
 * Kinesis sequence numbers are decimal strings of up to 128 digits, too long for a JavaScript
 * number and wrong to compare as strings when their lengths differ: compare by length, then by
 * digits (no leading zeros).
 */
export function compareSequenceNumbers(a: string, b: string): number {
    if (a.length !== b.length) return a.length - b.length;
    return a < b ? -1 : a > b ? 1 : 0;
}
