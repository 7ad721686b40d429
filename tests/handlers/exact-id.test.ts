import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseJsonKeepingLargeIntegers } from "../../handlers/shared/exact-id";
import { parsePartitionKey, partitionKeyFor } from "../../handlers/shared/partition-key";
import { expectedOutput } from "../../runtime/pipeline/expected-output";
import { tempDir } from "../support/temp-dir";

/** Issue 11, finding 9: 64-bit integer ids keep their exact digits in keys, partition keys and the oracle. */
describe("integer ids beyond 2^53", () => {
    it("parses an unsafe integer literal as its exact digits and leaves every other value as JSON.parse gives it", () => {
        assert.deepEqual(parseJsonKeepingLargeIntegers('{"original_id":12345678901234567890,"n":7,"x":1.5,"big":1e30,"s":"12"}'), {
            original_id: "12345678901234567890",
            n: 7,
            x: 1.5,
            big: 1e30,
            s: "12",
        });
    });

    it("keys two ids that differ only beyond 2^53 to different partition keys, so order by id holds", () => {
        const strategy = parsePartitionKey("field:original_id");
        const keys = ["12345678901234567890", "12345678901234567891"].map((id) => partitionKeyFor(strategy, parseJsonKeepingLargeIntegers(`{"original_id":${id}}`), "k", 1));
        assert.deepEqual(keys, ["12345678901234567890", "12345678901234567891"]);
    });

    it("has the verification oracle expect product_<exact digits>.json, the later of two lines with the same big id winning", async () => {
        const file = path.join(tempDir("exact-id-"), "ids.jsonl");
        fs.writeFileSync(file, '{"original_id":12345678901234567890,"v":1}\n{"original_id":12345678901234567891,"v":2}\n{"original_id":12345678901234567890,"v":3}\n');
        const expected = await expectedOutput(file, { bucket: "in", key: "ids.jsonl", outputKeyTemplate: "product_{original_id}.json", partitionKey: "field:original_id" });
        assert.deepEqual([...expected.objects.keys()].sort(), ["product_12345678901234567890.json", "product_12345678901234567891.json"]);
        assert.equal(expected.objects.get("product_12345678901234567890.json")!.line, 3);
        assert.equal(expected.deadLetters.size, 0);
    });
});
