import * as assert from "node:assert/strict";
import { parseSettings } from "../../settings/parse";

describe("settings that work together badly", () => {
    it("refuse a constant partition key with a parallelization factor above 1", () => {
        assert.throws(() => parseSettings({ partitionKey: "constant:test", parallelizationFactor: "2" }), /kinesis-fanout:partitionKey is a constant.*parallelizationFactor is 2/s);
    });

    it("warn that a constant key leaves the other shards idle", () => {
        const { warnings } = parseSettings({ partitionKey: "constant:test", shardCount: "4" });
        assert.ok(warnings.some((warning) => /other 3 shard\(s\) stay idle/.test(warning)), warnings.join("\n"));
    });

    it("warn that the later line may not win when records are not keyed by the output key's field", () => {
        const { warnings } = parseSettings({ partitionKey: "line-hash", shardCount: "2" });
        assert.ok(warnings.some((warning) => /may be written out of order/.test(warning)), warnings.join("\n"));
        assert.deepEqual(parseSettings({ partitionKey: "field:original_id", shardCount: "2" }).warnings, []);
        assert.deepEqual(parseSettings({ partitionKey: "line-hash" }).warnings, [], "one shard, one lane: order is kept");
    });

    it("warn that a batch size above what 6 MB holds can't be reached", () => {
        const { warnings } = parseSettings({ batchSize: "5000" });
        assert.ok(warnings.some((warning) => /6 MB invocation payload holds about \d+/.test(warning)), warnings.join("\n"));
    });

    it("warn when failing batches would block a shard until the records expire", () => {
        const { warnings } = parseSettings({ maximumRetryAttempts: "-1" });
        assert.ok(warnings.some((warning) => /blocks its shard until the records expire \(24 h\)/.test(warning)), warnings.join("\n"));
    });
});
