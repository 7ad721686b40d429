/**
 * The splitter's bookkeeping of one invocation's lines: which it read, which of them went out as
 * records, which Kinesis acknowledged, and where the next invocation must start.
 *
 * The guarantees it keeps (and checks, throwing when the caller breaks them):
 * - no line skipped: lines are read one after another from the invocation's first line;
 * - none counted twice: records are settled in the order they were read, each once, and a hand-off
 *   gives back every line from its point on, so each line of a file is counted by exactly one
 *   invocation of the chain;
 * - the hand-off point is the first unacknowledged line: when PutRecords could not get a record
 *   acknowledged before the time ran short, the next invocation starts at that record's line (and
 *   byte offset); otherwise at the first line not read. Records after that point that Kinesis did
 *   acknowledge are sent again by the next invocation, which is harmless (output keys are
 *   deterministic and the bytes are the same).
 *
 * No I/O, and a closure rather than a class: Pulumi's closure serializer drops class field
 * initializers.
 */

/** What became of a line: a record for Kinesis, a blank line, or a line sent to the dead-letter queue. */
export type LineKind = "record" | "blank" | "dead-lettered";

/** A line's number and the byte offset where it starts: where a hand-off resumes. */
export interface LinePosition {
    line: number;
    offset: number;
}

/** What one invocation did, line by line: lines = recordsPut + blankLines + deadLettered. */
export interface LineCounts {
    lines: number;
    recordsPut: number;
    blankLines: number;
    deadLettered: number;
}

export interface LineLedger {
    /** Counts the next line; a record stays unacknowledged until `settle` says otherwise. */
    read(position: LinePosition, kind: LineKind): void;
    /**
     * A PutRecords batch came back. `sentLines` are its records' lines, which must be the oldest
     * unacknowledged ones, in order. `firstUnacknowledgedLine` is the first of them Kinesis did not
     * acknowledge before the time ran short (absent when all were); nothing may be read or sent
     * after that.
     */
    settle(sentLines: readonly number[], firstUnacknowledgedLine?: number): void;
    /** True once a batch came back with a record unacknowledged: the invocation must hand off. */
    readonly stuck: boolean;
    /**
     * Where the next invocation starts, if this one stops now: the first unacknowledged line when
     * stuck (and the counts are rewound to the lines before it), else `nextUnread` (undefined
     * when the object was read to its end). Throws when stuck before any record of this
     * invocation was acknowledged, since the chain would then never move on.
     */
    handOffPoint(nextUnread?: LinePosition): LinePosition | undefined;
    counts(): LineCounts;
}

interface OpenLine extends LinePosition {
    kind: LineKind;
}

export function createLineLedger(firstLine: number, streamName: string): LineLedger {
    const counts: LineCounts = { lines: 0, recordsPut: 0, blankLines: 0, deadLettered: 0 };
    let nextLine = firstLine;
    // Lines read from the oldest unacknowledged record on: what a hand-off at a stuck record gives back.
    let open: OpenLine[] = [];
    let stuckAt: LinePosition | undefined;

    const count = (kind: LineKind, by: number) => {
        if (kind === "blank") counts.blankLines += by;
        else if (kind === "dead-lettered") counts.deadLettered += by;
    };
    const checkNotStuck = (what: string) => {
        if (stuckAt) throw new Error(`line ledger: ${what} after line ${stuckAt.line} was left unacknowledged`);
    };

    return {
        read(position, kind) {
            checkNotStuck(`read line ${position.line}`);
            if (position.line !== nextLine) throw new Error(`line ledger: read line ${position.line}, but the next line is ${nextLine}`);
            nextLine++;
            counts.lines++;
            count(kind, 1);
            // A blank or dead-lettered line before every unacknowledged record can't be given back.
            if (kind === "record" || open.length > 0) open.push({ ...position, kind });
        },
        settle(sentLines, firstUnacknowledgedLine) {
            if (sentLines.length === 0) return;
            checkNotStuck("settled a batch");
            const oldest = open.filter((entry) => entry.kind === "record").slice(0, sentLines.length);
            if (oldest.length !== sentLines.length || oldest.some((entry, index) => entry.line !== sentLines[index])) {
                throw new Error(`line ledger: settled lines ${sentLines.join(",")}, but the oldest unacknowledged records are lines ${oldest.map((entry) => entry.line).join(",")}`);
            }
            if (firstUnacknowledgedLine === undefined) {
                counts.recordsPut += sentLines.length;
                const after = open.findIndex((entry) => entry.kind === "record" && entry.line > sentLines[sentLines.length - 1]);
                open = after < 0 ? [] : open.slice(after);
                return;
            }
            const stuck = oldest.find((entry) => entry.line === firstUnacknowledgedLine);
            if (!stuck) throw new Error(`line ledger: line ${firstUnacknowledgedLine} is not one of the settled lines ${sentLines.join(",")}`);
            counts.recordsPut += sentLines.filter((line) => line < stuck.line).length;
            stuckAt = { line: stuck.line, offset: stuck.offset };
        },
        get stuck() {
            return stuckAt !== undefined;
        },
        handOffPoint(nextUnread) {
            if (!stuckAt) return nextUnread;
            if (counts.recordsPut === 0) {
                throw new Error(`PutRecords to stream ${streamName} acknowledged none of this invocation's records before its time ran short`);
            }
            const resumeAt = stuckAt;
            for (const entry of open) if (entry.line > resumeAt.line) count(entry.kind, -1);
            counts.lines = resumeAt.line - firstLine;
            open = open.filter((entry) => entry.line < resumeAt.line);
            return resumeAt;
        },
        counts: () => ({ ...counts }),
    };
}
