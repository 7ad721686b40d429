import { compareSequenceNumbers } from "../../handlers/shared/sequence-numbers";

export { compareSequenceNumbers };

export function lowestSequenceNumber(sequenceNumbers: readonly string[]): string | undefined {
    let lowest: string | undefined;
    for (const sequenceNumber of sequenceNumbers) {
        if (lowest === undefined || compareSequenceNumbers(sequenceNumber, lowest) < 0) lowest = sequenceNumber;
    }
    return lowest;
}
