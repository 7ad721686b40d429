import * as assert from "node:assert/strict";
import { predictDrainTime } from "../../planner";
import { s3PrefixPutCap } from "../../planner/s3-prefix-cap";
import { parseSettings } from "../../settings/parse";

/** "At least 3,500 PUT/COPY/POST/DELETE ... requests per second per partitioned Amazon S3 prefix" (S3 performance best practices). */
describe("the planner's cap on the writers' PutObject rate per S3 prefix", () => {
    it("caps keys that share one prefix at 3,500 PUT/s, and not keys spread over a prefix per id", () => {
        assert.equal(s3PrefixPutCap("product_{original_id}.json"), 3500);
        assert.equal(s3PrefixPutCap("out/product_{original_id}.json"), 3500);
        assert.equal(s3PrefixPutCap("{original_id}/product.json"), Number.POSITIVE_INFINITY);
    });

    it("predicts a stack whose writers could go faster than S3 allows on one prefix at 3,500 records/s, with S3 as the bottleneck", () => {
        // A splitter with Lambda's largest memory, so that its CPU (planner/measured-cpu.json) does not bound the stack first.
        const big = { shardCount: "40", parallelizationFactor: "10", writerConcurrency: "64", batchSize: "500", partitionKey: "field:original_id", splitterMemoryMb: "10240" };
        const onePrefix = predictDrainTime(parseSettings(big).settings, { records: 1_000_000, recordBytes: 2048 });
        const spread = predictDrainTime(parseSettings({ ...big, outputKeyTemplate: "{original_id}/product.json" }).settings, { records: 1_000_000, recordBytes: 2048 });

        assert.equal(onePrefix.bottleneck, "s3-prefix");
        assert.equal(onePrefix.stages.writeRecordsPerSecond, 3500);
        assert.ok(onePrefix.notes.some((note) => note.startsWith("S3 allows 3,500 PutObject/s")), onePrefix.notes.join("\n"));
        assert.ok(spread.stages.writeRecordsPerSecond > 3500, `spread ${spread.stages.writeRecordsPerSecond}`);
    });
});
