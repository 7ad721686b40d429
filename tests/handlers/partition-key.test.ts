import * as assert from "node:assert/strict";
import { lineHashKey, parsePartitionKey, partitionKeyFor } from "../../handlers/shared/partition-key";

describe("partition keys", () => {
    const byId = parsePartitionKey("field:original_id");

    it("key a line by its id field, so lines of one id share a shard and stay in order", () => {
        assert.equal(partitionKeyFor(byId, { original_id: "P1" }, "f.jsonl", 1), "P1");
        assert.equal(partitionKeyFor(byId, { original_id: 42 }, "f.jsonl", 2), "42");
    });

    it("key an id longer than Kinesis's 256 characters by its digest, the same for every line of that id", () => {
        const long = "x".repeat(300);
        const first = partitionKeyFor(byId, { original_id: long }, "f.jsonl", 1);
        assert.equal(first.length, 32);
        assert.equal(partitionKeyFor(byId, { original_id: long }, "f.jsonl", 99), first);
    });

    it("fall back to the line's hash when the line has no usable id", () => {
        assert.equal(partitionKeyFor(byId, undefined, "f.jsonl", 3), lineHashKey("f.jsonl", 3));
        assert.equal(partitionKeyFor(byId, { name: "no id" }, "f.jsonl", 4), lineHashKey("f.jsonl", 4));
    });

    it("use one key for every line with a constant strategy, and refuse unknown strategies by saying what is allowed", () => {
        assert.equal(partitionKeyFor(parsePartitionKey("constant:test"), { original_id: "P1" }, "f.jsonl", 1), "test");
        assert.throws(() => parsePartitionKey("random"), /must be `field:<json field>`, `line-hash` or `constant:<value>` \(got "random"\)/);
    });
});
