import { strict as assert } from "node:assert";
import { parseSettings, type FanoutSettings } from "../../settings/parse";
import { SEED_LATENCIES, predictDrainTime, recordsPerPayload } from "../../planner";

function settings(raw: Record<string, unknown>): FanoutSettings {
    return parseSettings(raw).settings;
}

function within(actual: number, expected: number, fraction: number, what: string): void {
    assert.ok(Math.abs(actual - expected) <= expected * fraction, `${what}: expected ${expected} ±${fraction * 100}%, got ${actual}`);
}

/** The seed article's setup: 1 shard, batch 1000, parallelization 1, constant key, one PutObject at a time. */
const SEED = { shardCount: 1, batchSize: 1000, parallelizationFactor: 1, writerConcurrency: 1, partitionKey: "constant:test" };
const SEED_FILE = { records: 10000, recordBytes: 2048 };

describe("planner: predictDrainTime", () => {
    it("predicts the seed article's figures for its own setup: about 97 records/s in, 20 out, 8 min 20 s", () => {
        // in:  one PutRecord per line at 10 ms a call = 1000 / 10 = 100 records/s (seed measured 97)
        // out: a batch of 1000 takes 20 ms + ceil(1000 / 1) × 50 ms = 50.02 s, after an 18 ms GetRecords,
        //      so 1000 / 50.038 = 19.98 records/s (seed measured 20)
        // total: the writer is slower: 0.028 s to the first record + 10,000 / 19.98 = 500.4 s (seed: 500 s)
        const prediction = predictDrainTime(settings(SEED), SEED_FILE, SEED_LATENCIES, { recordsPerPutCall: 1 });
        within(prediction.stages.splitRecordsPerSecond, 97, 0.1, "records/s in");
        within(prediction.stages.writeRecordsPerSecond, 20, 0.1, "records/s out");
        within(prediction.seconds, 500, 0.1, "seconds to drain");
        assert.equal(prediction.stages.splitSeconds, 100);
        assert.equal(prediction.bottleneck, "writers");
        assert.equal(prediction.writerInvocations, 10);
        assert.ok(prediction.notes.some((note) => note.includes("pipeline: max(")), "the notes explain the pipeline bound");
    });

    it("computes a batch's duration from batch size, writer concurrency and the S3 latency", () => {
        // 1 shard, 1 lane, batch 100, 16 PutObject at a time:
        // 20 ms + ceil(100 / 16) = 7 rounds × 50 ms = 370 ms, + 18 ms GetRecords = 388 ms per batch
        // => 100 / 0.388 = 257.73 records/s
        const prediction = predictDrainTime(settings({ batchSize: 100, writerConcurrency: 16 }), SEED_FILE);
        assert.ok(Math.abs(prediction.stages.writeRecordsPerSecond - 100 / 0.388) < 1e-6);
        assert.equal(prediction.fullBatchRecords, 100);
        assert.equal(prediction.bottleneck, "writers");
    });

    it("caps batched puts at the shard's 1 MiB/s write limit", () => {
        // 500 records per PutRecords every 10 ms = 50,000 records/s from the client, but a 2 KiB line
        // plus an 80-byte envelope is 2,128 bytes: 1,048,576 / 2,128 = 492.75 records/s per shard.
        const prediction = predictDrainTime(settings({ batchSize: 1000, writerConcurrency: 1000 }), SEED_FILE);
        assert.ok(Math.abs(prediction.stages.splitRecordsPerSecond - 1048576 / 2128) < 1e-9);
        assert.equal(prediction.bottleneck, "shard-write");
    });

    it("caps a shard at 1,000 records/s when records are small", () => {
        // 100-byte lines: 180-byte records; 1 MiB / 180 = 5,825/s, so the 1,000 records/s limit holds.
        const prediction = predictDrainTime(settings({ shardCount: 2 }), { records: 10000, recordBytes: 100 });
        assert.equal(prediction.stages.splitRecordsPerSecond, 2000);
    });

    it("predicts the same rates for a constant key on 4 shards as on 1 shard", () => {
        const one = predictDrainTime(settings({ ...SEED, shardCount: 1 }), SEED_FILE);
        const four = predictDrainTime(settings({ ...SEED, shardCount: 4 }), SEED_FILE);
        assert.equal(four.shardsUsed, 1);
        assert.equal(four.concurrentBatches, 1);
        assert.equal(four.stages.writeRecordsPerSecond, one.stages.writeRecordsPerSecond);
        assert.equal(four.stages.splitRecordsPerSecond, one.stages.splitRecordsPerSecond);
        assert.equal(four.seconds, one.seconds);
        assert.ok(four.notes.some((note) => note.includes("constant partition key")));
    });

    it("never predicts slower with more shards or a higher parallelization factor", () => {
        const workloads = [
            { records: 1, recordBytes: 2048 },
            { records: 100, recordBytes: 2048 },
            { records: 10000, recordBytes: 2048 },
            { records: 1000000, recordBytes: 200 },
            { records: 5000, recordBytes: 30000 },
        ];
        const variants = [
            { batchSize: 1000, writerConcurrency: 1, maximumBatchingWindowInSeconds: 0 },
            { batchSize: 100, writerConcurrency: 16, maximumBatchingWindowInSeconds: 0 },
            { batchSize: 10000, writerConcurrency: 64, maximumBatchingWindowInSeconds: 5 },
            { batchSize: 10, writerConcurrency: 4, maximumBatchingWindowInSeconds: 1 },
        ];
        for (const workload of workloads) {
            for (const variant of variants) {
                for (const partitionKey of ["line-hash", "constant:k"]) {
                    let previousByShards = Infinity;
                    for (const shardCount of [1, 2, 4, 8, 64]) {
                        let previousByFactor = Infinity;
                        const factors = partitionKey === "line-hash" ? [1, 2, 5, 10] : [1];
                        for (const parallelizationFactor of factors) {
                            const { seconds } = predictDrainTime(settings({ ...variant, partitionKey, shardCount, parallelizationFactor }), workload);
                            const label = JSON.stringify({ workload, variant, partitionKey, shardCount, parallelizationFactor });
                            assert.ok(seconds <= previousByFactor + 1e-9, `slower with a higher parallelization factor: ${label}`);
                            previousByFactor = seconds;
                        }
                        const { seconds } = predictDrainTime(settings({ ...variant, partitionKey, shardCount }), workload);
                        assert.ok(seconds <= previousByShards + 1e-9, `slower with more shards: ${JSON.stringify({ workload, variant, partitionKey, shardCount })}`);
                        previousByShards = seconds;
                    }
                }
            }
        }
    });

    it("cuts batches where Lambda's 6 MB payload is full", () => {
        // a 2 KiB line is a 2,128-byte record: ceil(2,128 × 4 / 3) = 2,838 base64 bytes + 450 = 3,288 bytes
        // in the event, and floor(6,291,456 / 3,288) = 1,913 of them fit (6 MiB, what Lambda enforces).
        assert.equal(recordsPerPayload(2048), 1913);
        const prediction = predictDrainTime(settings({ batchSize: 10000 }), { records: 100000, recordBytes: 2048 });
        assert.equal(prediction.fullBatchRecords, 1913);
        assert.ok(prediction.notes.some((note) => note.includes("6 MB")));
    });

    it("lets the last records wait out the batching window when writers are faster than the splitter", () => {
        // seed splitter (100 records/s, 100 s) with fast writers: the last partial batch waits 30 s
        const prediction = predictDrainTime(
            settings({ batchSize: 100, writerConcurrency: 100, maximumBatchingWindowInSeconds: 30 }),
            SEED_FILE,
            SEED_LATENCIES,
            { recordsPerPutCall: 1 },
        );
        assert.ok(prediction.seconds >= 100 + 30, `expected at least 130 s, got ${prediction.seconds}`);
        assert.ok(prediction.seconds < 100 + 30 + 1, `expected under 131 s, got ${prediction.seconds}`);
        assert.equal(prediction.bottleneck, "splitter");
        // 100 records/s arrive; a 30 s window would gather 3,000, so batches fill to batchSize 100.
        assert.equal(prediction.meanBatchRecords, 100);
    });

    it("gives on-demand streams the 4 shards they start with", () => {
        const prediction = predictDrainTime(settings({ streamMode: "ON_DEMAND" }), SEED_FILE);
        assert.equal(prediction.shardsUsed, 4);
    });

    it("uses the latencies it is given instead of the seed's", () => {
        const faster = predictDrainTime(settings(SEED), SEED_FILE, { ...SEED_LATENCIES, s3PutObjectMs: 10 }, { recordsPerPutCall: 1 });
        // 20 ms + 1000 × 10 ms = 10.02 s, + 18 ms: 1000 / 10.038 = 99.6 records/s
        assert.ok(Math.abs(faster.stages.writeRecordsPerSecond - 1000 / 10.038) < 1e-6);
    });

    it("predicts zero seconds for an empty file", () => {
        const prediction = predictDrainTime(settings(SEED), { records: 0, recordBytes: 2048 });
        assert.equal(prediction.seconds, 0);
        assert.equal(prediction.recordsPerSecond, 0);
    });

    it("rejects a put call size PutRecords does not allow, naming the range", () => {
        assert.throws(
            () => predictDrainTime(settings(SEED), SEED_FILE, SEED_LATENCIES, { recordsPerPutCall: 501 }),
            /recordsPerPutCall must be between 1 and 500.*got 501/,
        );
        assert.throws(() => predictDrainTime(settings(SEED), { records: 10, recordBytes: 0 }), /recordBytes must be between 1 and 1048576/);
    });
});
