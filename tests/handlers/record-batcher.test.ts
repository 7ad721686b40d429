import * as assert from "node:assert/strict";
import { PUT_RECORDS_MAX_BYTES, PUT_RECORDS_MAX_ENTRIES, createRecordBatcher, recordBytes, type PendingRecord } from "../../handlers/splitter/record-batcher";

function record(dataBytes: number, partitionKey = "k", line = 1): PendingRecord {
    return { data: Buffer.alloc(dataBytes, 0x61), partitionKey, source: { bucket: "in", key: "f.jsonl", line } };
}

/** Feeds records as the splitter does and returns the batches it would send. */
function batchesOf(records: PendingRecord[]): PendingRecord[][] {
    const batcher = createRecordBatcher();
    const batches: PendingRecord[][] = [];
    for (const r of records) {
        const full = batcher.add(r);
        if (full) batches.push(full);
        if (batcher.isFull) batches.push(batcher.take());
    }
    const rest = batcher.take();
    if (rest.length) batches.push(rest);
    return batches;
}

describe("createRecordBatcher", () => {
    it("sends at most 500 records per PutRecords request", () => {
        const batches = batchesOf(Array.from({ length: 1201 }, (_, i) => record(10, "k", i + 1)));
        assert.deepEqual(
            batches.map((b) => b.length),
            [500, 500, 201],
        );
        assert.equal(PUT_RECORDS_MAX_ENTRIES, 500);
    });

    it("keeps each request within 5 MiB, partition keys included", () => {
        // Each record is 1 MiB - 100 bytes of data and a 256-byte key: five records' data alone fit in
        // 5 MiB (5 MiB - 500 bytes), but with their keys five are 5 MiB + 780 bytes, so only four fit.
        const key = "p".repeat(256);
        const records = Array.from({ length: 11 }, () => record(1024 * 1024 - 100, key));
        assert.ok(5 * records[0].data.length <= PUT_RECORDS_MAX_BYTES, "five records' data alone would fit");
        const batches = batchesOf(records);
        for (const batch of batches) {
            assert.ok(batch.reduce((sum, r) => sum + recordBytes(r.data, r.partitionKey), 0) <= PUT_RECORDS_MAX_BYTES);
        }
        assert.deepEqual(
            batches.map((b) => b.length),
            [4, 4, 3],
        );
    });

    it("starts a new request when the next record would push it over 5 MiB", () => {
        const batches = batchesOf([record(3 * 1024 * 1024), record(2 * 1024 * 1024), record(1)]);
        assert.deepEqual(
            batches.map((b) => b.length),
            [1, 2],
        );
    });

    it("counts partition keys as UTF-8 bytes", () => {
        assert.equal(recordBytes(Buffer.alloc(10), "é"), 12);
    });
});
