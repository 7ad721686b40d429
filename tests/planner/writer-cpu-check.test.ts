import { strict as assert } from "node:assert";
import { parseSettings } from "../../settings/parse";
import { SEED_LATENCIES, WRITER_BUSY_BOUND, calibratedWriterCpuMs, checkWriterCpu, type FunctionCpu } from "../../planner";
import { calibratedCpuMsByOrdinal } from "../../planner/writer-cpu-check";

const CPU: FunctionCpu = { msInit: 0, msPerInvocation: 10, msPerRecord: 1, msFirstInvocation: 0, msWarmUp: 100, warmUpRecords: 100, msPerRound: 10 };
/** Two sandboxes, each running a batch of 100 and then one of 50. */
const RUN = { invocationsByOrdinal: [2, 2], recordsByOrdinal: [200, 100] };
const settings = (writerMemoryMb: number) => parseSettings({ writerMemoryMb, writerConcurrency: 20 }).settings;

describe("planner: a run's writer CPU against the calibration", () => {
    it("charges each invocation its own CPU, its records, its rounds of PutObjects, and the warm-up its sandbox has left", () => {
        // 20 in flight: a batch of 100 makes 5 rounds, one of 50 makes 3 (10 ms each).
        const warmUp = (records: number) => 100 * (1 - Math.exp(-records / 100));
        const expected = 2 * (10 + 100 + 5 * 10 + warmUp(100)) + 2 * (10 + 50 + 3 * 10 + warmUp(150) - warmUp(100));
        const calibrated = calibratedWriterCpuMs(CPU, RUN, settings(128));
        assert.ok(Math.abs(calibrated - expected) < 1e-9, `expected ${expected}, got ${calibrated}`);
    });

    it("charges a sandbox's first-use CPU to its first invocations only, whatever their records", () => {
        const withFirst = calibratedCpuMsByOrdinal({ ...CPU, msFirstInvocation: 190 }, RUN, settings(128));
        const without = calibratedCpuMsByOrdinal(CPU, RUN, settings(128));
        assert.ok(Math.abs(withFirst[0] - without[0] - 2 * 190) < 1e-9, `first ordinal: ${withFirst[0]} against ${without[0]}`);
        assert.ok(Math.abs(withFirst[1] - without[1]) < 1e-9, `second ordinal: ${withFirst[1]} against ${without[1]}`);
    });

    it("charges every round the same whatever the writer's memory: CPU is counted in ms, not at the share", () => {
        assert.equal(calibratedWriterCpuMs(CPU, RUN, settings(1769)), calibratedWriterCpuMs(CPU, RUN, settings(128)));
        // 5 in flight instead of 20: 20 rounds a batch of 100 and 10 a batch of 50, 15 + 7 more rounds of 10 ms in each sandbox.
        const narrow = parseSettings({ writerMemoryMb: 128, writerConcurrency: 5 }).settings;
        const difference = calibratedWriterCpuMs(CPU, RUN, narrow) - calibratedWriterCpuMs(CPU, RUN, settings(128));
        assert.ok(Math.abs(difference - 2 * (15 + 7) * 10) < 1e-9, `expected 440 ms more, got ${difference}`);
    });

    it("flags a CPU-bound run whose sandboxes used 1.5 times the calibrated CPU, and not one within 0.8 to 1.25", () => {
        const [first, second] = calibratedCpuMsByOrdinal(CPU, RUN, settings(128));
        const inflated = checkWriterCpu(CPU, { ...RUN, cpuMsByOrdinal: [1.5 * first, 1.5 * second] }, settings(128), SEED_LATENCIES);
        assert.ok(Math.abs(inflated.ratio - 1.5) < 1e-9, `ratio ${inflated.ratio}`);
        assert.equal(inflated.cpuBound, true);
        assert.equal(inflated.within, false);

        const close = checkWriterCpu(CPU, { ...RUN, cpuMsByOrdinal: [1.1 * first, 1.1 * second] }, settings(128), SEED_LATENCIES);
        assert.ok(Math.abs(close.ratio - 1.1) < 1e-9, `ratio ${close.ratio}`);
        assert.equal(close.within, true);
    });

    it("holds a run's cold first invocations and its warm later ones to the band apart", () => {
        // 128 MB: every batch is CPU-bound. The cold ones at 1.1 times and the warm ones at 1.6: warm sets the verdict.
        const [first, second] = calibratedCpuMsByOrdinal(CPU, RUN, settings(128));
        const warmOff = checkWriterCpu(CPU, { ...RUN, cpuMsByOrdinal: [1.1 * first, 1.6 * second] }, settings(128), SEED_LATENCIES);
        assert.ok(Math.abs((warmOff.paceRatio ?? 0) - 1.6) < 1e-9, `pace ratio ${warmOff.paceRatio}`);
        assert.equal(warmOff.within, false);
        const coldLow = checkWriterCpu(CPU, { ...RUN, cpuMsByOrdinal: [0.7 * first, 1.0 * second] }, settings(128), SEED_LATENCIES);
        assert.ok(Math.abs((coldLow.paceRatio ?? 0) - 0.7) < 1e-9, `pace ratio ${coldLow.paceRatio}`);
        assert.equal(coldLow.within, false);
    });

    it("lets a run stand whose extra CPU still left S3 setting the writer's pace", () => {
        // 1,769 MB with 5 PutObjects in flight: the run's 1.5 times the calibrated CPU, laid on its ordinals, is about
        // 0.55 s for each batch of 100 (against 20 + 20 × 50 ms of I/O) and 0.27 s for each of 50 (against 20 + 10 × 50 ms),
        // at a full vCPU: both under 85%.
        const narrow = parseSettings({ writerMemoryMb: 1769, writerConcurrency: 5 }).settings;
        const calibrated = calibratedWriterCpuMs(CPU, RUN, narrow);
        const check = checkWriterCpu(CPU, { ...RUN, cpuMsByOrdinal: [calibrated, calibrated / 2] }, narrow, SEED_LATENCIES);
        assert.ok(check.ratio > 1.25);
        assert.equal(check.cpuBound, false);
        assert.equal(check.within, true);
    });

    it("counts an invocation as CPU-bound once its CPU at the share fills more than 85% of its PutObjects' time", () => {
        // 1,769 MB, 5 in flight: the batches of 100 have 20 + 20 × 50 = 1,020 ms of I/O; 0.85 × 1,020 = 867 ms.
        assert.equal(WRITER_BUSY_BOUND, 0.85);
        const narrow = parseSettings({ writerMemoryMb: 1769, writerConcurrency: 5 }).settings;
        const busy = checkWriterCpu(CPU, { ...RUN, cpuMsByOrdinal: [2 * 900, 2 * 100] }, narrow, SEED_LATENCIES);
        assert.equal(busy.cpuBound, true, "900 ms of CPU in 1,020 ms of I/O (88%)");
        const idle = checkWriterCpu(CPU, { ...RUN, cpuMsByOrdinal: [2 * 840, 2 * 100] }, narrow, SEED_LATENCIES);
        assert.equal(idle.cpuBound, false, "840 ms of CPU in 1,020 ms of I/O (82%)");
    });

    it("counts a run as CPU-bound when its cold invocations were, though later ones waited on S3", () => {
        // 1,769 MB, 5 in flight: the first batches of 100 took 1,100 ms of CPU each at a full vCPU, more than their
        // 20 + 20 × 50 = 1,020 ms of I/O; the batches of 50 took 100 ms against 20 + 10 × 50 = 520 ms.
        const narrow = parseSettings({ writerMemoryMb: 1769, writerConcurrency: 5 }).settings;
        const check = checkWriterCpu(CPU, { ...RUN, cpuMsByOrdinal: [2 * 1100, 2 * 100] }, narrow, SEED_LATENCIES);
        assert.equal(check.cpuBound, true);
        assert.ok(check.ratio > 1.25, `ratio ${check.ratio}`);
        assert.equal(check.within, false);
    });

    it("judges a run by the invocations whose CPU set its pace, not by its mean", () => {
        // 1,769 MB, 5 in flight, 5 ms a record: the batches of 100 are calibrated at 10 + 500 + 20 × 10 ms + warm-up,
        // those of 50 at 10 + 250 + 10 × 10 ms + warm-up. At 1.6 times that, the first batches take about 1.24 s of CPU
        // against 1.02 s of I/O (CPU-bound); at half of it, the second ones take 0.19 s against 0.52 s.
        const heavy = { ...CPU, msPerRecord: 5 };
        const narrow = parseSettings({ writerMemoryMb: 1769, writerConcurrency: 5 }).settings;
        const warmUp = (records: number) => 100 * (1 - Math.exp(-records / 100));
        const first = 2 * (10 + 500 + 200 + warmUp(100));
        const second = 2 * (10 + 250 + 100 + warmUp(150) - warmUp(100));
        const check = checkWriterCpu(heavy, { ...RUN, cpuMsByOrdinal: [1.6 * first, 0.5 * second] }, narrow, SEED_LATENCIES);
        assert.ok(check.ratio >= 0.8 && check.ratio <= 1.25, `the mean, ${check.ratio}, is inside the band`);
        assert.ok(Math.abs((check.paceRatio ?? 0) - 1.6) < 1e-9, `pace ratio ${check.paceRatio}`);
        assert.equal(check.within, false);
    });

    it("has no pace ratio when no invocation's CPU set the pace", () => {
        const narrow = parseSettings({ writerMemoryMb: 1769, writerConcurrency: 5 }).settings;
        const check = checkWriterCpu(CPU, { ...RUN, cpuMsByOrdinal: [2 * 100, 2 * 50] }, narrow, SEED_LATENCIES);
        assert.equal(check.cpuBound, false);
        assert.equal(check.paceRatio, undefined);
        assert.equal(check.within, true);
    });
});
