import * as assert from "node:assert/strict";
import { ShardCheckpointTracker } from "../../runtime/event-sources/shard-checkpoint-tracker";

describe("a shard's checkpoint tracker", () => {
    it("counts a record as finished as soon as its batch ends, though the checkpoint waits for earlier records", () => {
        const tracker = new ShardCheckpointTracker();
        tracker.add(["1", "2", "3", "4"]);
        assert.equal(tracker.markDone(["3", "4"]), undefined);
        assert.equal(tracker.finished, 2);
        assert.deepEqual(tracker.markDone(["1", "2"]), { checkpoint: "4", advancedBy: 4 });
        assert.equal(tracker.finished, 4);
    });

    it("counts a record delivered twice once", () => {
        const tracker = new ShardCheckpointTracker();
        tracker.add(["1", "2"]);
        tracker.markDone(["2"]);
        tracker.markDone(["2"]);
        assert.equal(tracker.finished, 1);
        tracker.markDone(["1", "2"]);
        assert.equal(tracker.finished, 2);
    });
});
