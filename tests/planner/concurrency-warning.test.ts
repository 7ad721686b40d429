import * as assert from "node:assert/strict";
import { concurrencyWarnings, predictDrainTime } from "../../planner";
import { parseSettings } from "../../settings/parse";

/** "Lambda quotas": 1,000 concurrent executions by default, less in new accounts; 100 always stay unreserved. */
describe("the planner's concurrency warning", () => {
    const settings = (values: Record<string, string>) => parseSettings(values).settings;

    it("warns when the writer's batches (shards × parallelizationFactor) are more than the account gives", () => {
        const stack = settings({ shardCount: "20", parallelizationFactor: "10", partitionKey: "field:original_id" });

        assert.deepEqual(concurrencyWarnings(stack, 20), []);
        const [warning] = concurrencyWarnings(stack, 20, 50);
        assert.match(warning, /the writer needs 200 concurrent executions \(20 shard\(s\) × parallelizationFactor 10\) but gets the account's 50 concurrent executions \(less 1 for the splitter\): Lambda throttles the other 151 batch\(es\)/);
    });

    it("warns when the writer reserves less than its batches, and when a reservation can't be deployed in the account", () => {
        const stack = settings({ shardCount: "4", parallelizationFactor: "2", partitionKey: "field:original_id", writerReservedConcurrency: "6" });

        assert.deepEqual(concurrencyWarnings(stack, 4), [
            "the writer needs 8 concurrent executions (4 shard(s) × parallelizationFactor 2) but gets its reserved concurrency of 6: Lambda throttles the other 2 batch(es) and the mapping retries them, so the drain runs at 6 concurrent batches",
        ]);
        assert.match(concurrencyWarnings(stack, 4, 100)[0], /writerReservedConcurrency 6 can't be deployed in an account of 100 concurrent executions: AWS keeps 100 unreserved, so at most 0 can be reserved/);
    });

    it("puts the warning among the drain prediction's notes", () => {
        const stack = settings({ shardCount: "4", parallelizationFactor: "2", partitionKey: "field:original_id", writerReservedConcurrency: "6" });
        const prediction = predictDrainTime(stack, { records: 10_000, recordBytes: 2048 });
        assert.ok(prediction.notes.some((note) => note.startsWith("the writer needs 8 concurrent executions")), prediction.notes.join("\n"));
    });
});
