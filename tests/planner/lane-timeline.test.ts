import { strict as assert } from "node:assert";
import { laneTimeline, type LaneInput } from "../../planner/lane-timeline";

/** A lane fed 10 records at a time every `every` seconds from 0, whose batches take 0.1 s each. */
function steppedLane(every: number, perLane: number, overrides: Partial<LaneInput> = {}): LaneInput {
    return {
        perLane,
        start: 0,
        inStream: (seconds) => 10 * Math.floor(seconds / every + 1e-9),
        nextArrival: (seconds) => (Math.floor(seconds / every + 1e-9) + 1) * every,
        firstReadAfter: every,
        readEvery: 0.2,
        caughtUpEvery: 1,
        readLag: 0,
        window: 0,
        fullBatch: 100,
        batchSeconds: () => 0.1,
        ...overrides,
    };
}

describe("planner: one writer lane's timeline", () => {
    it("reads a caught-up shard a second after a read that found nothing, as Lambda's base poll rate does", () => {
        // Records land at 0.5, 1.0 and 1.5 s. The read at 0.5 s finds 10; the one at 0.7 s finds nothing, so
        // the shard is caught up and read again at 1.7 s, which finds the other 20.
        const timeline = laneTimeline(steppedLane(0.5, 30));
        assert.equal(timeline.batches, 2);
        assert.ok(Math.abs(timeline.finish - 1.8) < 1e-9, `done at ${timeline.finish} s`);
    });

    it("keeps reading every 0.2 s while each read finds records", () => {
        // Records land every 0.1 s: each read finds more, so reads come at 0.1, 0.3, 0.5 s; 30 records are in by 0.3 s.
        const timeline = laneTimeline(steppedLane(0.1, 30, { batchSeconds: () => 0.01 }));
        assert.ok(Math.abs(timeline.finish - 0.31) < 1e-9, `done at ${timeline.finish} s`);
    });

    it("waits out the caught-up polls when a splitter's calls are seconds apart, for a drain of thousands of reads", () => {
        // 10 records every 2.5 s, 10,000 records: 1,000 calls over 2,500 s. After each found read, an empty one
        // 0.2 s later, then once-a-second polls: each call's records are read within a second of landing.
        const timeline = laneTimeline(steppedLane(2.5, 10_000));
        assert.ok(timeline.finish >= 2500 && timeline.finish <= 2501.1, `done at ${timeline.finish} s`);
        assert.equal(timeline.batches, 1000);
    });
});
