import { strict as assert } from "node:assert";
import { parseSettings, type FanoutSettings } from "../../settings/parse";
import { NO_CPU, SEED_LATENCIES, busiestLaneRecords, loadMeasuredCpu, predictDrainTime, recordsPerPayload, type MeasuredCpu } from "../../planner";

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
        // total: the writer is slower: its lane starts on what the first read finds (about 50 records, half a
        //        second of the splitter), then takes what came meanwhile (about 250), then full batches of
        //        1,000: about 0.5 s + 10,000 / 19.98 = 501 s (seed: 500 s) in 11 to 13 invocations
        const prediction = predictDrainTime(settings(SEED), SEED_FILE, SEED_LATENCIES, { recordsPerPutCall: 1 });
        within(prediction.stages.splitRecordsPerSecond, 97, 0.1, "records/s in");
        within(prediction.stages.writeRecordsPerSecond, 20, 0.1, "records/s out");
        within(prediction.seconds, 500, 0.1, "seconds to drain");
        assert.equal(prediction.stages.splitSeconds, 100);
        assert.equal(prediction.bottleneck, "writers");
        assert.equal(prediction.fullBatchRecords, 1000);
        assert.ok(prediction.writerInvocations >= 11 && prediction.writerInvocations <= 13, `writer invocations: ${prediction.writerInvocations}`);
        assert.ok(prediction.notes.some((note) => note.startsWith("pipeline: records reach the stream")), "the notes explain the pipeline's timeline");
    });

    it("computes a batch's duration from batch size, writer concurrency and the S3 latency", () => {
        // 1 shard, 1 lane, batch 100, 16 PutObject at a time:
        // 20 ms + ceil(100 / 16) = 7 rounds × 50 ms = 370 ms, + 18 ms GetRecords = 388 ms per batch
        // => 100 / 0.388 = 257.73 records/s. (I/O alone: at 256 MB the measured CPU would bound it; see the CPU tests.)
        const prediction = predictDrainTime(settings({ batchSize: 100, writerConcurrency: 16 }), SEED_FILE, SEED_LATENCIES, { cpu: NO_CPU });
        assert.ok(Math.abs(prediction.stages.writeRecordsPerSecond - 100 / 0.388) < 1e-6);
        assert.equal(prediction.fullBatchRecords, 100);
        assert.equal(prediction.bottleneck, "writers");
    });

    it("caps batched puts at the shard's 1 MiB/s write limit", () => {
        // 500 records per PutRecords every 10 ms = 50,000 records/s from the client, but a 2 KiB line
        // plus an 80-byte envelope is 2,128 bytes: 1,048,576 / 2,128 = 492.75 records/s per shard.
        // (I/O alone: 1,000 records on a 256 MB writer would be bound by its CPU; see the CPU tests.)
        const prediction = predictDrainTime(settings({ batchSize: 1000, writerConcurrency: 1000 }), SEED_FILE, SEED_LATENCIES, { cpu: NO_CPU });
        assert.ok(Math.abs(prediction.stages.splitRecordsPerSecond - 1048576 / 2128) < 1e-9);
        assert.equal(prediction.bottleneck, "shard-write");
    });

    it("caps a shard at 1,000 records/s when records are small", () => {
        // 100-byte lines: 180-byte records; 1 MiB / 180 = 5,825/s, so the 1,000 records/s limit holds.
        // (Shard limits alone: the splitter's CPU, measured on 2 KiB lines, is tested below.)
        const prediction = predictDrainTime(settings({ shardCount: 2 }), { records: 10000, recordBytes: 100 }, SEED_LATENCIES, { cpu: NO_CPU });
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

    it("never predicts slower with more shards or a higher parallelization factor, beyond where a lane's last batching window falls", () => {
        // A lane's last batch goes out at a read (every 0.2 s) one batching window after its previous batch
        // completed (AWS's rule for Kinesis), and holds whole records, so with more lanes, each with fewer
        // records, it can fall up to one window plus one read later.
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
                            const phase = variant.maximumBatchingWindowInSeconds + 0.2;
                            assert.ok(seconds <= previousByFactor + phase + 1e-9, `slower with a higher parallelization factor: ${label}`);
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
        // seed splitter (100 records/s, 100 s) with fast writers: the last partial batch waits out the 30 s
        // window, which starts when the lane's previous batch completes, less than a second before the split ends
        // (without the functions' CPU and init, which add their own seconds; see the CPU tests)
        const prediction = predictDrainTime(
            settings({ batchSize: 100, writerConcurrency: 100, maximumBatchingWindowInSeconds: 30 }),
            SEED_FILE,
            SEED_LATENCIES,
            { recordsPerPutCall: 1, cpu: NO_CPU },
        );
        assert.ok(prediction.seconds >= 100 + 30 - 1, `expected at least 129 s, got ${prediction.seconds}`);
        assert.ok(prediction.seconds < 100 + 30 + 1, `expected under 131 s, got ${prediction.seconds}`);
        assert.equal(prediction.bottleneck, "splitter");
        // 100 records/s arrive; a 30 s window would gather 3,000, so batches fill to batchSize 100, all but the
        // first (what the first read found, half a second of the splitter) and the last.
        assert.equal(prediction.fullBatchRecords, 100);
        assert.equal(prediction.writerInvocations, 101);
    });

    it("gives on-demand streams the 4 shards they start with", () => {
        const prediction = predictDrainTime(settings({ streamMode: "ON_DEMAND" }), SEED_FILE);
        assert.equal(prediction.shardsUsed, 4);
    });

    it("uses the latencies it is given instead of the seed's", () => {
        // I/O alone (at 10 ms a PutObject, 1,000 rounds of one call each make the writer's measured CPU the bound).
        const faster = predictDrainTime(settings(SEED), SEED_FILE, { ...SEED_LATENCIES, s3PutObjectMs: 10 }, { recordsPerPutCall: 1, cpu: NO_CPU });
        // 20 ms + 1000 × 10 ms = 10.02 s, + 18 ms: 1000 / 10.038 = 99.6 records/s
        assert.ok(Math.abs(faster.stages.writeRecordsPerSecond - 1000 / 10.038) < 1e-6);
    });

    it("finishes for latencies of zero and for drains of months, where rounding could stall a timeline", function () {
        this.timeout(20_000);
        const instant = { ...SEED_LATENCIES, invokeOverheadMs: 0, s3PutObjectMs: 0 };
        assert.ok(Number.isFinite(predictDrainTime(settings({}), { records: 100_000, recordBytes: 2048 }, instant, { cpu: NO_CPU }).seconds));
        // 3,000,000 records, one a 2 s put call: 6,000,000 s (69 days) of splitting, read every 0.2 s.
        const slow = predictDrainTime(settings({ batchSize: 100, partitionKey: "constant:k" }), { records: 3_000_000, recordBytes: 2048 }, { ...SEED_LATENCIES, putRecordsCallMs: 2000 }, {
            cpu: NO_CPU,
            recordsPerPutCall: 1,
        });
        within(slow.seconds, 6_000_000, 1e-4, "seconds to drain");
    });

    it("plans the drain by its busiest lane: keys fall on lanes unevenly, and the drain waits for the fullest", () => {
        // 4 lanes of 1,000 records on average; the busiest holds about 1,027, so 11 batches of 100, not 10.
        const prediction = predictDrainTime(
            settings({ shardCount: 4, batchSize: 100, writerConcurrency: 4, partitionKey: "field:original_id" }),
            { records: 4000, recordBytes: 2048 },
            SEED_LATENCIES,
            { cpu: NO_CPU },
        );
        const note = prediction.notes.find((line) => line.startsWith("pipeline:")) ?? "";
        assert.match(note, /the busiest lane holds about 1027 records, not 1000, in 11 batch\(es\)/, note);
        // A full batch: 20 ms + 25 rounds × 50 ms = 1.27 s; the last, of 27 records, 20 ms + 7 × 50 ms = 0.37 s.
        // The mean lane's 10 batches would be done by 12.7 s after its first read.
        assert.ok(prediction.seconds > 10 * 1.27 + 0.37, `${prediction.seconds} s`);
    });

    it("averages the drain over the phase of the mapping's once-a-second poll, which decides how much the first read finds", () => {
        // 40 lanes (4 shards × 10): the first read finds one put call of 500 records or more, depending on when it
        // comes; with one, the busiest lane's rest does not fit one batch of 100, and a third batch waits out a window.
        const pf10 = settings({ shardCount: 4, parallelizationFactor: 10, batchSize: 100, writerConcurrency: 4, maximumBatchingWindowInSeconds: 1, partitionKey: "field:original_id", writerMemoryMb: 512 });
        const prediction = predictDrainTime(pf10, { records: 4000, recordBytes: 2048 });
        const note = prediction.notes.find((line) => line.startsWith("pipeline:")) ?? "";
        const [, fastest, slowest, mean] = /between ([\d.]+) and ([\d.]+) s, at ([\d.]+) s on average/.exec(note) ?? [];
        assert.ok(fastest && slowest && mean, note);
        assert.ok(Number(slowest) - Number(fastest) > 0.5, `a second of phase moves this drain by ${Number(slowest) - Number(fastest)} s`);
        // The note rounds to 3 decimals under 10 s and to 1 above.
        assert.ok(Math.abs(prediction.seconds - Number(mean)) < 0.05 && prediction.seconds > Number(fastest) && prediction.seconds < Number(slowest), note);
    });

    it("runs no more lanes than there are records", () => {
        const prediction = predictDrainTime(settings({ shardCount: 4, parallelizationFactor: 10 }), { records: 7, recordBytes: 2048, distinctKeys: 1000 });
        assert.equal(prediction.concurrentBatches, 7);
        assert.equal(prediction.writerInvocations, 7);
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

    describe("the functions' CPU at Lambda's memory share (1,769 MB = 1 vCPU)", () => {
        const CPU: MeasuredCpu = {
            ...NO_CPU,
            writer: { msInit: 0, msPerInvocation: 10, msPerRecord: 1, msFirstInvocation: 0, msWarmUp: 500, warmUpRecords: 300, msPerRound: 0 },
            splitter: { msInit: 0, msPerInvocation: 0, msPerRecord: 0.1, msFirstInvocation: 0, msWarmUp: 0, warmUpRecords: 1, msPerRound: 0 },
        };
        const FOUR_LANES = { shardCount: 4, batchSize: 500, writerConcurrency: 20, partitionKey: "field:original_id" };

        it("makes a 128 MB writer's batch take its CPU ÷ (128 / 1,769) when that is more than its I/O", () => {
            // I/O: 20 ms + ceil(500 / 20) × 50 ms = 1.27 s. CPU: (10 + 500 × 1) ms / (128 / 1769) = 7.048 s.
            const small = predictDrainTime(settings({ ...FOUR_LANES, writerMemoryMb: 128 }), { records: 4000, recordBytes: 2048 }, SEED_LATENCIES, { cpu: CPU });
            const large = predictDrainTime(settings({ ...FOUR_LANES, writerMemoryMb: 1769 }), { records: 4000, recordBytes: 2048 }, SEED_LATENCIES, { cpu: CPU });

            within(small.fullBatchSeconds, (0.51 * 1769) / 128, 1e-9, "128 MB batch seconds");
            within(large.fullBatchSeconds, 1.27, 1e-9, "1,769 MB batch seconds (I/O-bound: CPU 0.51 s)");
            assert.equal(small.bottleneck, "writers");
            assert.ok(small.seconds > 3 * large.seconds, `128 MB ${small.seconds} s against 1,769 MB ${large.seconds} s`);
            assert.ok(small.notes.some((note) => note.includes("CPU-bound")));
        });

        it("charges a writer's CPU for each round of PutObjects, so fewer calls in flight cost more CPU", () => {
            // 500 records: 25 rounds at writerConcurrency 20, 100 at 5; 20 ms a round.
            // 1,769 MB at 20 in flight: 10 + 500 + 25 × 20 = 1,010 ms of CPU against 20 + 25 × 50 = 1,270 ms of I/O: I/O-bound.
            const cpu = { ...CPU, writer: { ...CPU.writer, msPerRound: 20 } };
            const wide = predictDrainTime(settings({ ...FOUR_LANES, writerMemoryMb: 1769 }), { records: 4000, recordBytes: 2048 }, SEED_LATENCIES, { cpu });
            within(wide.fullBatchSeconds, 1.27, 1e-9, "an I/O-bound batch");
            assert.ok(wide.notes.some((note) => note.includes("in 25 rounds needs 1.010 s of CPU")), wide.notes.join("\n"));

            // At 5 in flight: 10 + 500 + 100 × 20 = 2,510 ms of CPU against 20 + 100 × 50 = 5,020 ms of I/O; at 128 MB
            // the same CPU takes 2.51 × 1,769 / 128 = 34.7 s, against 25 rounds' (1.01 s of CPU) 14 s at 20 in flight.
            const narrow = predictDrainTime(settings({ ...FOUR_LANES, writerConcurrency: 5, writerMemoryMb: 128 }), { records: 4000, recordBytes: 2048 }, SEED_LATENCIES, { cpu });
            const wide128 = predictDrainTime(settings({ ...FOUR_LANES, writerMemoryMb: 128 }), { records: 4000, recordBytes: 2048 }, SEED_LATENCIES, { cpu });
            within(narrow.fullBatchSeconds, (2.51 * 1769) / 128, 1e-9, "CPU-bound batch seconds at writerConcurrency 5");
            within(wide128.fullBatchSeconds, (1.01 * 1769) / 128, 1e-9, "CPU-bound batch seconds at writerConcurrency 20");
        });

        it("adds a new sandbox's V8 warm-up CPU once per lane, at the memory's share, most of it on its first records", () => {
            // 1,000 records a lane on average; the busiest, which the drain waits for, holds about 1,027:
            // 500 ms × (1 − e^(−1027 / 300)) of CPU / (128 / 1769) = 6.68 s more, once (the lanes run in parallel).
            const busiest = busiestLaneRecords(4000, 4000, 4);
            assert.ok(busiest > 1020 && busiest < 1035, `the busiest of 4 lanes: ${busiest} records`);
            const none = predictDrainTime(settings({ ...FOUR_LANES, writerMemoryMb: 128 }), { records: 4000, recordBytes: 2048 }, SEED_LATENCIES, {
                cpu: { ...CPU, writer: { ...CPU.writer, msWarmUp: 0 } },
            });
            const cold = predictDrainTime(settings({ ...FOUR_LANES, writerMemoryMb: 128 }), { records: 4000, recordBytes: 2048 }, SEED_LATENCIES, { cpu: CPU });

            within(cold.seconds - none.seconds, ((500 * (1 - Math.exp(-busiest / 300))) / 1000) * (1769 / 128), 1e-9, "the warm-up's extra seconds");
        });

        it("charges a sandbox's first invocation its first-use CPU once, whatever the batch's size, at the memory's share", () => {
            // 4 lanes of 1,000 records, batches of 500: 200 ms more in each lane's first batch / (128 / 1769) = 2.764 s, once (the lanes run in parallel).
            const withFirst = predictDrainTime(settings({ ...FOUR_LANES, writerMemoryMb: 128 }), { records: 4000, recordBytes: 2048 }, SEED_LATENCIES, {
                cpu: { ...CPU, writer: { ...CPU.writer, msWarmUp: 0, msFirstInvocation: 200 } },
            });
            const without = predictDrainTime(settings({ ...FOUR_LANES, writerMemoryMb: 128 }), { records: 4000, recordBytes: 2048 }, SEED_LATENCIES, {
                cpu: { ...CPU, writer: { ...CPU.writer, msWarmUp: 0 } },
            });

            within(withFirst.seconds - without.seconds, (0.2 * 1769) / 128, 1e-9, "the first invocations' extra seconds");
            assert.ok(withFirst.notes.some((note) => note.includes("+ 200 ms in a sandbox's first invocation")), withFirst.notes.join("\n"));
        });

        it("adds each cold start's init at a full vCPU: the splitter's before everything, a writer lane's before its first batch", () => {
            // Init 300 ms of CPU on a full vCPU, whatever the memory below 1,769 MB: 0.3 s each, in series (splitter, then writers in parallel).
            const withInit = predictDrainTime(settings({ ...FOUR_LANES, writerMemoryMb: 128 }), { records: 4000, recordBytes: 2048 }, SEED_LATENCIES, {
                cpu: { ...CPU, writer: { ...CPU.writer, msInit: 300 }, splitter: { ...CPU.splitter, msInit: 300 } },
            });
            const without = predictDrainTime(settings({ ...FOUR_LANES, writerMemoryMb: 128 }), { records: 4000, recordBytes: 2048 }, SEED_LATENCIES, { cpu: CPU });

            within(withInit.seconds - without.seconds, 0.6, 1e-9, "two inits' seconds");
        });

        it("slows the splitter's put calls when their records' CPU at its share takes longer than the call", () => {
            // 500 records × 0.1 ms / (128 / 1769) = 691 ms a call, against 10 ms of latency: 723.6 records/s, under 4 shards' 1,971.
            const prediction = predictDrainTime(settings({ ...FOUR_LANES, splitterMemoryMb: 128 }), { records: 4000, recordBytes: 2048 }, SEED_LATENCIES, { cpu: CPU });

            within(prediction.stages.splitRecordsPerSecond, 500 / ((500 * 0.1 * 1769) / 128 / 1000), 1e-9, "records/s in");
            assert.ok(prediction.notes.some((note) => note.startsWith("splitter CPU:")));
        });

        it("reads the CPU the runtime measured, with when and on which machine, from planner/measured-cpu.json", () => {
            const measured = loadMeasuredCpu();

            assert.ok(!Number.isNaN(Date.parse(measured.measuredAt)), `measuredAt ${measured.measuredAt}`);
            assert.ok(measured.machine.cpuModel.length > 0 && measured.machine.cores > 0 && /^v\d+\./.test(measured.machine.node));
            assert.ok(measured.writer.msPerRecord > 0, "a writer record costs some CPU");
            assert.ok(measured.writer.msInit > 0 && measured.splitter.msInit > 0, "a cold start's init costs some CPU");
            assert.ok(measured.writer.msWarmUp >= 0 && measured.writer.msFirstInvocation >= 0 && measured.writer.msPerRound >= 0, "warming up and a round of calls cost no less than nothing");
        });
    });
});
