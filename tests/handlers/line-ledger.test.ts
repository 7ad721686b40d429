import * as assert from "node:assert/strict";
import { createLineLedger, type LineKind, type LineLedger } from "../../handlers/splitter/line-ledger";
import { seededRandom } from "../../runtime/support/seeded-random";

const STREAM = "fanout-stream";

/** Lines of `length` bytes each: line n starts at byte (n - 1) × length. */
function readAll(ledger: LineLedger, kinds: readonly LineKind[], firstLine = 1, length = 10): void {
    kinds.forEach((kind, index) => ledger.read({ line: firstLine + index, offset: (firstLine + index - 1) * length }, kind));
}

describe("the splitter's line ledger", () => {
    it("counts every line read once, as a record, a blank line or a dead-lettered line", () => {
        const ledger = createLineLedger(1, STREAM);
        readAll(ledger, ["record", "blank", "record", "dead-lettered", "record"]);
        ledger.settle([1, 3, 5]);
        assert.deepEqual(ledger.counts(), { lines: 5, recordsPut: 3, blankLines: 1, deadLettered: 1 });
        assert.equal(ledger.stuck, false);
    });

    it("refuses a skipped line and a line read twice", () => {
        const ledger = createLineLedger(4, STREAM);
        assert.throws(() => ledger.read({ line: 5, offset: 40 }, "record"), /read line 5, but the next line is 4/);
        ledger.read({ line: 4, offset: 30 }, "record");
        assert.throws(() => ledger.read({ line: 4, offset: 30 }, "record"), /read line 4, but the next line is 5/);
    });

    it("refuses to settle a record twice, out of order, or before it was read", () => {
        const ledger = createLineLedger(1, STREAM);
        readAll(ledger, ["record", "record", "record"]);
        assert.throws(() => ledger.settle([2]), /settled lines 2, but the oldest unacknowledged records are lines 1/);
        ledger.settle([1]);
        assert.throws(() => ledger.settle([1, 2]), /settled lines 1,2, but the oldest unacknowledged records are lines 2,3/);
        assert.throws(() => ledger.settle([2, 3, 4]), /oldest unacknowledged records are lines 2,3$/);
        ledger.settle([2, 3]);
        assert.equal(ledger.counts().recordsPut, 3);
    });

    it("hands off at the first line not read when every record was acknowledged, and nowhere at the end of the object", () => {
        const ledger = createLineLedger(1, STREAM);
        readAll(ledger, ["record", "record", "blank"]);
        ledger.settle([1, 2]);
        assert.deepEqual(ledger.handOffPoint({ line: 4, offset: 30 }), { line: 4, offset: 30 });
        assert.equal(ledger.handOffPoint(undefined), undefined);
        assert.deepEqual(ledger.counts(), { lines: 3, recordsPut: 2, blankLines: 1, deadLettered: 0 });
    });

    it("hands off at the first unacknowledged line after a partial PutRecords failure, and gives back every line from there", () => {
        // Lines 11-18 of a continuation; the batch 11, 13, 15, 17 came back with line 15 unacknowledged
        // (17 may have gone through: the next invocation sends it again).
        const ledger = createLineLedger(11, STREAM);
        readAll(ledger, ["record", "blank", "record", "dead-lettered", "record", "blank", "record", "dead-lettered"], 11);
        ledger.settle([11, 13, 15, 17], 15);
        assert.equal(ledger.stuck, true);
        assert.deepEqual(ledger.handOffPoint({ line: 19, offset: 180 }), { line: 15, offset: 140 });
        assert.deepEqual(ledger.counts(), { lines: 4, recordsPut: 2, blankLines: 1, deadLettered: 1 });
    });

    it("hands off at the stuck record even when it was the first of its batch, keeping the blank lines before it", () => {
        const ledger = createLineLedger(1, STREAM);
        readAll(ledger, ["record", "blank", "blank", "record", "blank", "record"]);
        ledger.settle([1]);
        ledger.settle([4, 6], 4);
        assert.deepEqual(ledger.handOffPoint(), { line: 4, offset: 30 });
        assert.deepEqual(ledger.counts(), { lines: 3, recordsPut: 1, blankLines: 2, deadLettered: 0 });
    });

    it("reads and settles nothing more once a record is stuck", () => {
        const ledger = createLineLedger(1, STREAM);
        readAll(ledger, ["record", "record", "record"]);
        ledger.settle([1, 2], 2);
        assert.throws(() => ledger.read({ line: 4, offset: 30 }, "record"), /after line 2 was left unacknowledged/);
        assert.throws(() => ledger.settle([3]), /after line 2 was left unacknowledged/);
    });

    it("refuses to hand off when it is stuck and no record of this invocation was acknowledged, naming the stream", () => {
        const ledger = createLineLedger(1, STREAM);
        readAll(ledger, ["blank", "record", "record"]);
        ledger.settle([2, 3], 2);
        assert.throws(() => ledger.handOffPoint({ line: 4, offset: 30 }), /PutRecords to stream fanout-stream acknowledged none of this invocation's records before its time ran short/);
    });

    it("counts each line of a file in exactly one invocation of a chain, whatever the batches and the stuck records", () => {
        const random = seededRandom(7);
        let stucks = 0;
        for (let file = 0; file < 200; file++) {
            const total = 1 + Math.floor(random() * 60);
            const kinds: LineKind[] = Array.from({ length: total }, () => (random() < 0.6 ? "record" : random() < 0.5 ? "blank" : "dead-lettered"));
            const counted = new Map<number, number>();
            let put = 0;
            let first = 1;
            for (let invocation = 0; first <= total; invocation++) {
                assert.ok(invocation < 1000, "the chain moves on");
                const ledger = createLineLedger(first, STREAM);
                const stopAfter = first + Math.floor(random() * 15);
                let pending: number[] = [];
                let line = first;
                for (; line <= total && line <= stopAfter && !ledger.stuck; line++) {
                    ledger.read({ line, offset: line * 10 }, kinds[line - 1]);
                    if (kinds[line - 1] === "record") pending.push(line);
                    if (pending.length === 3 || (pending.length > 0 && random() < 0.3)) {
                        // A stuck record only once one is acknowledged, as a real chain needs to move on.
                        const stuck = ledger.counts().recordsPut + pending.length > 1 && random() < 0.2 ? pending[Math.floor(random() * pending.length)] : undefined;
                        ledger.settle(pending, ledger.counts().recordsPut > 0 || pending[0] !== stuck ? stuck : undefined);
                        pending = [];
                    }
                }
                if (ledger.stuck) stucks++;
                if (!ledger.stuck) ledger.settle(pending);
                const next = ledger.handOffPoint(line <= total ? { line, offset: line * 10 } : undefined);
                const counts = ledger.counts();
                assert.equal(counts.lines, counts.recordsPut + counts.blankLines + counts.deadLettered);
                const end = next?.line ?? total + 1;
                assert.equal(counts.lines, end - first, "the hand-off point follows the last line counted");
                for (let n = first; n < end; n++) counted.set(n, (counted.get(n) ?? 0) + 1);
                put += counts.recordsPut;
                assert.ok(next === undefined || next.line > first, "each invocation counts at least one line");
                first = end;
            }
            assert.deepEqual([...counted.keys()].sort((a, b) => a - b), Array.from({ length: total }, (_, i) => i + 1), "no line skipped");
            assert.ok([...counted.values()].every((times) => times === 1), "no line counted twice");
            assert.equal(put, kinds.filter((kind) => kind === "record").length, "every record put once");
        }
        assert.ok(stucks > 50, `hand-offs at a stuck record: ${stucks}`);
    });
});
