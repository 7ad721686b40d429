import { strict as assert } from "node:assert";
import { parseSettings, type FanoutSettings } from "../../settings/parse";
import { NO_CPU, SEED_LATENCIES, estimateMonthlyCost, loadPrices, putPayloadUnits, type CostEstimate } from "../../planner";

function settings(raw: Record<string, unknown>): FanoutSettings {
    return parseSettings(raw).settings;
}

function item(estimate: CostEstimate, name: string) {
    const found = estimate.items.find((entry) => entry.item === name);
    assert.ok(found, `no cost item "${name}"; items: ${estimate.items.map((entry) => entry.item).join(", ")}`);
    return found;
}

function close(actual: number, expected: number, what: string): void {
    assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: expected ${expected}, got ${actual}`);
}

const US_EAST_1 = loadPrices("us-east-1");
const SEED = { shardCount: 1, batchSize: 1000, parallelizationFactor: 1, writerConcurrency: 1, partitionKey: "constant:test" };
const SEED_VOLUME = { recordsPerDay: 10000, recordBytes: 2048 };

describe("planner: estimateMonthlyCost", () => {
    it("counts PUT payload units in 25 KB chunks", () => {
        assert.equal(putPayloadUnits(2048), 1); // a 2 KiB record
        assert.equal(putPayloadUnits(25 * 1024), 1); // exactly 25 KB
        assert.equal(putPayloadUnits(25 * 1024 + 1), 2);
        assert.equal(putPayloadUnits(30 * 1024), 2); // a 30 KB record
        assert.equal(putPayloadUnits(1024 * 1024), 41); // 1 MiB = 40.96 units, rounded up
    });

    it("prices the seed's setup item by item (us-east-1)", () => {
        const estimate = estimateMonthlyCost(settings(SEED), SEED_VOLUME, US_EAST_1, SEED_LATENCIES, { drain: { recordsPerPutCall: 1, cpu: NO_CPU } });
        // 1 shard × 730 h × $0.015 = $10.95
        close(item(estimate, "Kinesis shard-hours").monthlyUsd, 10.95, "shard-hours");
        // 10,000 records × 30 days = 300,000 records of 2,128 bytes = 1 unit each; 300,000 × $0.014 / 1e6 = $0.0042
        assert.equal(item(estimate, "Kinesis PUT payload units").quantity, 300000);
        close(item(estimate, "Kinesis PUT payload units").monthlyUsd, 0.0042, "PUT payload units");
        // writer: the drain model's 12.4 batches for the seed's file, on average over the phase of the mapping's
        // first poll (the first ones smaller: the writer starts on what the first reads find, before the backlog
        // fills a batch of 1,000), 806.5 records on average:
        // ceil(10,000 / 806.5) = 13 a day × 30 = 390 requests × $0.20 / 1e6 = $0.000078
        assert.equal(item(estimate, "Lambda requests (writer)").quantity, 390);
        close(item(estimate, "Lambda requests (writer)").monthlyUsd, 0.000078, "writer requests");
        // writer GB-s: 390 × 256 MB / 1024 × (20 ms + ceil(806.5) × 50 ms = 40.37 s) = 3,936.075 GB-s × $0.0000166667
        close(item(estimate, "Lambda GB-seconds (writer)").quantity, 3936.075, "writer GB-seconds");
        close(item(estimate, "Lambda GB-seconds (writer)").monthlyUsd, 3936.075 * 0.0000166667, "writer GB-seconds cost");
        // splitter: 1 file a day; 10,000 puts at 10 ms = 100 s + 20 ms overhead; × 30 days × 512 MB / 1024 = 1,500.3 GB-s
        assert.equal(item(estimate, "Lambda requests (splitter)").quantity, 30);
        close(item(estimate, "Lambda GB-seconds (splitter)").quantity, 1500.3, "splitter GB-seconds");
        // S3: 300,000 PUT × $0.005 / 1000 = $1.50; 30 GET × $0.0004 / 1000 = $0.000012
        close(item(estimate, "S3 PUT requests (one per record)").monthlyUsd, 1.5, "S3 PUTs");
        close(item(estimate, "S3 GET requests (one per file)").monthlyUsd, 0.000012, "S3 GETs");
        // SQS: no dead letters by default
        assert.equal(item(estimate, "SQS requests (dead letters)").monthlyUsd, 0);
        const total = 10.95 + 0.0042 + 0.000078 + 30 * 0.0000002 + (3936.075 + 1500.3) * 0.0000166667 + 1.5 + 0.000012;
        close(estimate.monthlyUsd, total, "total");
    });

    it("charges every provisioned shard, even the ones a constant key leaves idle", () => {
        // 4 shards × 730 h × $0.015 = $43.80
        const estimate = estimateMonthlyCost(settings({ ...SEED, shardCount: 4 }), SEED_VOLUME, US_EAST_1);
        close(item(estimate, "Kinesis shard-hours").monthlyUsd, 43.8, "4 shards");
    });

    it("prices an on-demand stream by stream-hours and GB in and out", () => {
        const estimate = estimateMonthlyCost(settings({ streamMode: "ON_DEMAND" }), SEED_VOLUME, US_EAST_1);
        // 730 stream-hours × $0.04 = $29.20
        close(item(estimate, "Kinesis on-demand stream-hours").monthlyUsd, 29.2, "stream-hours");
        // 2,128-byte records round up to 3 KB = 3,072 bytes; × 300,000 = 921,600,000 bytes = 0.858306884765625 GB
        const gigabytes = (300000 * 3072) / 2 ** 30;
        close(item(estimate, "Kinesis on-demand data in").quantity, gigabytes, "GB in");
        close(item(estimate, "Kinesis on-demand data in").monthlyUsd, gigabytes * 0.08, "GB in cost");
        close(item(estimate, "Kinesis on-demand data out (read once by the writer)").monthlyUsd, gigabytes * 0.04, "GB out cost");
        assert.ok(!estimate.items.some((entry) => entry.item === "Kinesis shard-hours"), "no shard-hours on demand");
    });

    it("counts one SQS request per dead-lettered record", () => {
        // 1 % of 300,000 = 3,000 requests × $0.40 / 1e6 = $0.0012
        const estimate = estimateMonthlyCost(settings(SEED), SEED_VOLUME, US_EAST_1, SEED_LATENCIES, { deadLetterFraction: 0.01 });
        close(item(estimate, "SQS requests (dead letters)").monthlyUsd, 0.0012, "dead letters");
    });

    it("uses the mean batch the drain model predicts for the writer's requests", () => {
        // batch 100, 16 at a time: 10,000 / 100 = 100 invocations a day × 30 = 3,000 requests,
        // each 20 ms + ceil(100 / 16) × 50 ms = 0.37 s; 3,000 × 0.25 GB × 0.37 s = 277.5 GB-s
        // (I/O alone: at 256 MB the measured CPU would lengthen each batch; drain-time.test.ts covers CPU.)
        const estimate = estimateMonthlyCost(settings({ batchSize: 100, writerConcurrency: 16 }), SEED_VOLUME, US_EAST_1, SEED_LATENCIES, { drain: { cpu: NO_CPU } });
        assert.equal(item(estimate, "Lambda requests (writer)").quantity, 3000);
        close(item(estimate, "Lambda GB-seconds (writer)").quantity, 277.5, "writer GB-seconds");
    });

    it("uses the region's prices", () => {
        // ap-northeast-1: 1 shard × 730 h × $0.0195 = $14.235
        const estimate = estimateMonthlyCost(settings(SEED), SEED_VOLUME, loadPrices("ap-northeast-1"));
        close(item(estimate, "Kinesis shard-hours").monthlyUsd, 14.235, "Tokyo shard-hours");
        assert.ok(estimate.assumptions[0].startsWith("ap-northeast-1 prices"));
    });

    it("says what it leaves out, including extended retention", () => {
        const estimate = estimateMonthlyCost(settings({ retentionPeriodHours: 48 }), SEED_VOLUME, US_EAST_1);
        assert.ok(estimate.assumptions.some((text) => text.includes("free tiers are not subtracted")));
        assert.ok(estimate.assumptions.some((text) => text.includes("extended retention")));
    });

    it("rejects a dead-letter fraction outside 0 to 1", () => {
        assert.throws(
            () => estimateMonthlyCost(settings(SEED), SEED_VOLUME, US_EAST_1, SEED_LATENCIES, { deadLetterFraction: 2 }),
            /deadLetterFraction must be between 0 and 1 \(got 2\)/,
        );
    });
});
