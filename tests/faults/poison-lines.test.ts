import * as assert from "node:assert/strict";
import * as path from "node:path";
import { POISON_KINDS, POISON_REASONS, poisonPositions, writePoisonedWorkloadFile } from "../../runtime/faults/poison-lines";
import { expectedOutput } from "../../runtime/pipeline/expected-output";
import { writeWorkloadFile } from "../../runtime/workload/seed-workload";
import { tempDir } from "../support/temp-dir";

/** `--poison N`: invalid lines mixed into the generated input, each of which the oracle expects dead-lettered. */
describe("poisoned workloads", function () {
    this.timeout(30_000);
    const dir = tempDir("poison-");
    const expectation = { bucket: "in", key: "products.jsonl", outputKeyTemplate: "product_{original_id}.json", partitionKey: "field:original_id", etag: "0123456789abcdef0123456789abcdef" };

    it("mixes N invalid lines, of every kind in turn, among the valid ones at places fixed by the seed", async () => {
        const file = path.join(dir, "poisoned.jsonl");
        await writePoisonedWorkloadFile(file, { records: 200, recordBytes: 256, seed: 5, poison: 8 });

        const expected = await expectedOutput(file, expectation);

        assert.equal(expected.records, 208);
        assert.equal(expected.objects.size, 200);
        const positions = poisonPositions(200, 8, 5);
        assert.deepEqual([...expected.deadLetters.keys()], positions.map((index) => index + 1), "the poison is on the drawn lines");
        assert.deepEqual(
            [...expected.deadLetters.values()],
            positions.map((_, n) => POISON_REASONS[POISON_KINDS[n % POISON_KINDS.length]]),
            "bad JSON, missing id, unsafe id and a line over 1 MiB, in turn",
        );
    });

    it("keeps the valid lines byte for byte the same as the workload without poison", async () => {
        const clean = path.join(dir, "clean.jsonl");
        const poisoned = path.join(dir, "poisoned-2.jsonl");
        await writeWorkloadFile(clean, { records: 100, recordBytes: 256, seed: 9 });
        await writePoisonedWorkloadFile(poisoned, { records: 100, recordBytes: 256, seed: 9, poison: 4 });

        const expectedClean = await expectedOutput(clean, expectation);
        const expectedPoisoned = await expectedOutput(poisoned, expectation);

        const digests = (objects: typeof expectedClean.objects) => new Map([...objects].map(([key, object]) => [key, object.md5]));
        assert.deepEqual(digests(expectedPoisoned.objects), digests(expectedClean.objects));
    });

    it("draws the same places for the same seed and other places for another", () => {
        assert.deepEqual(poisonPositions(1000, 10, 1), poisonPositions(1000, 10, 1));
        assert.notDeepEqual(poisonPositions(1000, 10, 1), poisonPositions(1000, 10, 2));
        assert.equal(new Set(poisonPositions(10, 10, 3)).size, 10, "every line of an all-poison file");
    });
});
