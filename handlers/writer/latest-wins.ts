import type { WriteOutcome } from "./decode-line";
import { compareSequenceNumbers } from "../shared/sequence-numbers";

/**
 * Which writes of one batch are superseded by a later line with the same output key. Only the
 * later line is written, so that a batch never lets an older line land last.
 *
 * "Later" means the higher line number when both lines come from the same source object (same
 * bucket, key and ETag); otherwise, and for the same line delivered twice, the higher sequence number.
 */
export interface Supersession {
    key: string;
    winner: WriteOutcome;
    superseded: WriteOutcome[];
}

export function findSuperseded(writes: readonly WriteOutcome[]): Supersession[] {
    const byKey = new Map<string, WriteOutcome[]>();
    for (const write of writes) {
        const group = byKey.get(write.key);
        if (group) group.push(write);
        else byKey.set(write.key, [write]);
    }
    const result: Supersession[] = [];
    for (const [key, group] of byKey) {
        if (group.length < 2) continue;
        const winner = group.reduce((best, candidate) => (isLater(candidate, best) ? candidate : best));
        result.push({ key, winner, superseded: group.filter((write) => write !== winner) });
    }
    return result;
}

/** True when `a` should be written rather than `b`. */
export function isLater(a: WriteOutcome, b: WriteOutcome): boolean {
    if (sameObject(a, b) && a.source.line !== b.source.line) return a.source.line > b.source.line;
    return compareSequenceNumbers(a.sequenceNumber, b.sequenceNumber) > 0;
}


function sameObject(a: WriteOutcome, b: WriteOutcome): boolean {
    return a.source.bucket === b.source.bucket && a.source.key === b.source.key && a.source.etag === b.source.etag;
}
