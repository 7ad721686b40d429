import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { originalIdFor, workloadLine, writeWorkloadFile } from "../../runtime/workload/seed-workload";
import { tempDir } from "../support/temp-dir";

describe("the seed workload", () => {
    it("makes every line exactly the requested size, as a JSON object with its original_id", () => {
        for (const recordBytes of [128, 2048, 5000]) {
            const line = workloadLine(7, { recordBytes, seed: 1 });
            assert.equal(Buffer.byteLength(line), recordBytes);
            assert.equal(JSON.parse(line).original_id, originalIdFor(7));
        }
    });

    it("is the same for the same seed and differs for another seed", () => {
        assert.equal(workloadLine(3, { recordBytes: 2048, seed: 42 }), workloadLine(3, { recordBytes: 2048, seed: 42 }));
        assert.notEqual(workloadLine(3, { recordBytes: 2048, seed: 42 }), workloadLine(3, { recordBytes: 2048, seed: 43 }));
    });

    it("writes one line per record with unique ids and reports the file's size", async () => {
        const file = path.join(tempDir("workload-"), "w.jsonl");
        const bytes = await writeWorkloadFile(file, { records: 500, recordBytes: 300, seed: 9 });
        const lines = fs.readFileSync(file, "utf8").split("\n");
        assert.equal(lines.pop(), "");
        assert.equal(lines.length, 500);
        assert.equal(bytes, fs.statSync(file).size);
        assert.equal(new Set(lines.map((line) => JSON.parse(line).original_id)).size, 500);
    });

    it("refuses a record size too small to hold a record", () => {
        assert.throws(() => workloadLine(0, { recordBytes: 64, seed: 1 }), /at least 128/);
    });
});
