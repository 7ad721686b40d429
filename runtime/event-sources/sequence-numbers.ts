/**
 * Kinesis sequence numbers are decimal strings of up to 129 digits (kinesalite's included), too
 * long for a JavaScript number and wrong to compare as strings when their lengths differ.
 */
export function compareSequenceNumbers(a: string, b: string): number {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
}

export function lowestSequenceNumber(sequenceNumbers: readonly string[]): string | undefined {
    let lowest: string | undefined;
    for (const sequenceNumber of sequenceNumbers) {
        if (lowest === undefined || compareSequenceNumbers(sequenceNumber, lowest) < 0) lowest = sequenceNumber;
    }
    return lowest;
}
