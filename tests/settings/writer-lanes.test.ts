import * as assert from "node:assert/strict";
import { parseSettings, writerLanes } from "../../settings/parse";

describe("writerLanes", () => {
    it("is shards × parallelizationFactor for a provisioned stream", () => {
        assert.equal(writerLanes(parseSettings({ shardCount: "3", parallelizationFactor: "4" }).settings), 12);
    });

    it("counts the 4 shards an ON_DEMAND stream starts with, whatever shardCount says", () => {
        assert.equal(writerLanes(parseSettings({ streamMode: "ON_DEMAND", parallelizationFactor: "2" }).settings), 8);
    });

    it("uses the shards given instead when fewer are in use", () => {
        assert.equal(writerLanes(parseSettings({ shardCount: "8", parallelizationFactor: "5" }).settings, 2), 10);
    });
});
