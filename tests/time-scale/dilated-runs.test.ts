import * as assert from "node:assert/strict";
import * as path from "node:path";
import { ScaledClock } from "../../runtime/clock";
import { FunctionPool } from "../../runtime/lambda/function-pool";
import { runPipeline } from "../../runtime/pipeline/run-pipeline";
import { formatSummary, type RunReport } from "../../runtime/pipeline/run-report";
import { readStackFile } from "../../runtime/stack/read-stack-file";
import { writeWorkloadFile } from "../../runtime/workload/seed-workload";
import { tempDir } from "../support/temp-dir";

const PROJECT_DIR = path.resolve(__dirname, "../..");
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const percent = (report: RunReport) => `${Math.round(report.headroom.busyFraction * 100)}%`;

/** A 1,769 MB function held to the measured CPU share on a clock at K = 8, which the test rescales. */
function poolAtEight(functionName: string, handlerText: string, timeoutSeconds: number): { clock: ScaledClock; pool: FunctionPool } {
    const clock = new ScaledClock(8);
    const pool = new FunctionPool(
        { functionName, handler: { text: handlerText, exportName: "handler" }, environment: {}, memoryMb: 1769, timeoutSeconds, region: "us-east-1" },
        { clock, timeScale: 8, cpuShare: "measured" },
    );
    return { clock, pool };
}

describe("a run under time dilation", function () {
    this.timeout(240_000);

    it("gives the sandbox a deadline K times its timeout in wall time, counted down by getRemainingTimeInMillis", async () => {
        // Prepare
        const pool = new FunctionPool(
            {
                functionName: "deadline-probe",
                handler: { text: "exports.handler = async (event, context) => context.getRemainingTimeInMillis();", exportName: "handler" },
                environment: {},
                memoryMb: 128,
                timeoutSeconds: 1,
                region: "us-east-1",
            },
            { clock: new ScaledClock(4), timeScale: 4 },
        );
        try {
            // Act
            const result = await pool.invoke({});
            // Assess
            assert.equal(result.ok, true, result.errorMessage);
            const remaining = result.payload as number;
            assert.ok(remaining > 3_000 && remaining <= 4_000, `a 1 s timeout at K = 4 leaves ${remaining} wall ms at the start`);
        } finally {
            await pool.close();
        }
    });

    it("makes the handler's own setTimeout, setInterval and timers/promises waits K times as long, as every other modelled duration", async () => {
        // Prepare: a handler that sleeps 100 ms three ways, as a backoff between retries would.
        const handler = `
const { setTimeout: sleep } = require("node:timers/promises");
const { promisify } = require("node:util");
exports.handler = async () => {
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await sleep(100);
    await promisify(setTimeout)(100);
    await new Promise((resolve) => { let n = 0; const t = setInterval(() => { if (++n === 2) { clearInterval(t); resolve(); } }, 50); });
    return Date.now() - started;
};`;
        const pools = [1, 4].map(
            (timeScale) =>
                new FunctionPool(
                    { functionName: `sleeper-${timeScale}`, handler: { text: handler, exportName: "handler" }, environment: {}, memoryMb: 128, timeoutSeconds: 10, region: "us-east-1" },
                    { clock: new ScaledClock(timeScale), timeScale },
                ),
        );
        try {
            // Act
            const [atOne, atFour] = await Promise.all(pools.map((pool) => pool.invoke({})));
            // Assess: 400 ms of waits; at K = 4 they take 1,600 ms of wall time (timers never fire early).
            assert.equal(atOne.ok && atFour.ok, true, atOne.errorMessage ?? atFour.errorMessage);
            const [one, four] = [atOne.payload as number, atFour.payload as number];
            assert.ok(one >= 400 && one < 1_000, `K = 1: the waits took ${one} ms`);
            assert.ok(four >= 1_600 && four < 2_400, `K = 4: the waits took ${four} ms of wall time, 4 × 400 ms`);
        } finally {
            await Promise.all(pools.map((pool) => pool.close()));
        }
    });

    it("moves a running sandbox to a new K when the clock is rescaled: its deadline and its own timers, and its pool's CPU share", async () => {
        // Prepare: a handler that reports its deadline, waits 100 ms of its own, and reports it again.
        const handler = `
exports.handler = async (event, context) => {
    const before = context.getRemainingTimeInMillis();
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 100));
    return { before, waitedMs: Date.now() - started, after: context.getRemainingTimeInMillis() };
};`;
        const { clock, pool } = poolAtEight("rescaled", handler, 2);
        try {
            // Act: after a cold start, an invocation waits 800 ms of wall time at K = 8; half way through, K becomes 2.
            const cold = await pool.invoke({});
            assert.equal(cold.ok, true, cold.errorMessage);
            const first = pool.invoke({});
            await new Promise((resolve) => setTimeout(resolve, 400));
            clock.rescale(2);
            const [atEight, atTwo] = [await first, await pool.invoke({})];

            // Assess
            assert.equal(atEight.ok && atTwo.ok, true, atEight.errorMessage ?? atTwo.errorMessage);
            const started = atEight.payload as { before: number; waitedMs: number; after: number };
            assert.ok(started.before > 12_000 && started.before <= 16_000, `2 s at K = 8: ${started.before} wall ms left at the start`);
            // What was left of the deadline after the change (about 1.9 s of AWS time) is now counted at K = 2: under 4 s.
            assert.ok(started.after < 4_000 && started.after > 2_500, `after the change: ${started.after} wall ms left`);
            const next = atTwo.payload as { before: number; waitedMs: number };
            assert.ok(next.before > 3_000 && next.before <= 4_000, `2 s at K = 2: ${next.before} wall ms left at the start`);
            assert.ok(next.waitedMs >= 200 && next.waitedMs < 500, `a 100 ms wait at K = 2 took ${next.waitedMs} wall ms`);
            const share = pool.stats().cpuShare;
            assert.equal(share.timeScale, 2);
            assert.ok(Math.abs(share.invokeCores! - 1 / 2) < 1e-3, `1,769 MB at K = 2: ${share.invokeCores} cores`);
        } finally {
            await pool.close();
        }
    });

    it("shortens a measured share's wait still running when K steps down, to what is left of it at the new K", async () => {
        // Prepare: a handler that burns 50 ms of CPU; at 1,769 MB and K = 8 the measured share (1/8 of a core)
        // makes it wait 50 × 8 − 50 = 350 ms of wall time more before it answers.
        const handler = `
exports.handler = async () => {
    const start = process.cpuUsage();
    while ((process.cpuUsage(start).user + process.cpuUsage(start).system) / 1000 < 50) {}
    return "done";
};`;
        const { clock, pool } = poolAtEight("measured-wait", handler, 10);
        try {
            assert.equal((await pool.invoke({})).ok, true, "the cold start");
            // Act: K becomes 2 about 150 ms into the invocation, when some 250 ms of its wait are left: 62 ms at K = 2.
            const started = performance.now();
            const answered = pool.invoke({}).then((result) => ({ result, wallMs: performance.now() - started }));
            await new Promise((resolve) => setTimeout(resolve, 150));
            clock.rescale(2);
            const { result, wallMs } = await answered;
            // Assess: about 210 ms of wall time in all, against 400 had the wait kept K = 8's length.
            assert.equal(result.ok, true, result.errorMessage);
            assert.ok(wallMs < 320, `the invocation answered after ${Math.round(wallMs)} wall ms`);
        } finally {
            await pool.close();
        }
    });

    it("steps a run down to a smaller K once its writers' cold starts are over, and still accounts for every line", async () => {
        // Prepare: dev (one writer lane) at K = 6 until its one writer sandbox is ready, then K = 2.
        const stack = readStackFile(PROJECT_DIR, "dev");
        const inputFile = path.join(tempDir("stepped-"), "products.jsonl");
        await writeWorkloadFile(inputFile, { records: 300, recordBytes: 1024, seed: 11 });

        // Act
        const report = await runPipeline({
            stack: "dev", settings: stack.settings, region: stack.region, inputFile, inputName: "products.jsonl", awsProfile: {}, cpuShare: "off", measureS3Ceiling: false,
            timeScale: 6, timeScaleAfterColdStarts: { timeScale: 2, lanes: 1 },
        });

        // Assess
        assert.equal(report.output.verified, true, report.output.problems.join("; "));
        assert.equal(report.output.objects, 300);
        assert.equal(report.timeScale, 6, "the K the run started at");
        assert.equal(report.timeScaleSettled?.timeScale, 2);
        const firstWriter = Math.min(...report.writerInvocations.map((invocation) => invocation.startSeconds));
        const settledAt = report.timeScaleSettled!.atSeconds;
        assert.ok(settledAt > firstWriter, `the step (${settledAt.toFixed(2)} s) comes after the first writer invocation began (${firstWriter.toFixed(2)} s), once its init was over`);
        assert.ok(settledAt < report.seconds.pipeline, `and before the run drained (${report.seconds.pipeline.toFixed(2)} s)`);
        const times = report.timeline.map((point) => point.seconds);
        assert.ok(times.every((seconds, index) => index === 0 || seconds >= times[index - 1]), "the timeline's AWS seconds never go back at the step");
        assert.match(formatSummary(report), /time scale {3}K = 6, then 2 from \d+\.\d s \(after the writers' cold starts\)/);
    });

    it("reports the same AWS seconds for the same stack at K = 2 and K = 4, within 15% from the first batch on", async function () {
        // Prepare: the dev stack (1 shard, batches of 100, one writer at a time) under the AWS
        // profile's latencies: 1,200 records plan to 4.7 s of AWS time, so the two runs take about
        // 30 s of wall time, and the cold starts (real process starts, so wall time ÷ K) stay a
        // small part of the whole.
        const stack = readStackFile(PROJECT_DIR, "dev");
        const inputFile = path.join(tempDir("dilation-"), "products.jsonl");
        await writeWorkloadFile(inputFile, { records: 1200, recordBytes: 2048, seed: 7 });
        const run = (timeScale: number): Promise<RunReport> =>
            // The modelled clock alone: the CPU share's own K-scaling is checked in tests/runtime/cpu-share.test.ts
            // With the share on, this machine's run-to-run spread is too wide for a test: dev with 3,000 lines measured
            // 24.9 s and 29.7 s at K = 1, 26.0 s and 28.8 s at K = 3.5, once the quota's period was dilated too.
            runPipeline({ stack: "dev", settings: stack.settings, region: stack.region, inputFile, inputName: "products.jsonl", awsProfile: {}, cpuShare: "off", measureS3Ceiling: false, timeScale, pollPhase: () => 0.5 });
        // The first batch waits for the mapping's once-a-second poll of the caught-up shard. With the CPU share off, the
        // splitter's CPU takes 1/K of the modelled time, so its first records land at another moment at each K, and a poll
        // of the same phase can find them or miss them by a second: the poll's grain, not the clock's scaling under test.
        // So the drain is compared from the first batch on, and the whole run within that one second more.
        const firstBatch = (report: RunReport) => Math.min(...report.writerInvocations.map((invocation) => invocation.startSeconds));
        const fromFirstBatch = (report: RunReport) => report.seconds.pipeline - firstBatch(report);

        // Act: a pair where either run was CPU-bound measured this machine, not the stack (the
        // product flags such rows instead of printing them), so it is run once more; a machine
        // saturated by other work all along leaves nothing to compare.
        let [atTwo, atFour] = [await run(2), await run(4)];
        if (atTwo.headroom.cpuBound || atFour.headroom.cpuBound) [atTwo, atFour] = [await run(2), await run(4)];
        if (atTwo.headroom.cpuBound || atFour.headroom.cpuBound) {
            this.skip();
        }
        for (const report of [atTwo, atFour]) assert.equal(report.output.verified, true, report.output.problems.join("; "));
        // One run is one draw: in one CI run of about nine (2026-12-03) K = 2 took 7.32 s, where twelve runs here took
        // 5.58 to 5.73 s (K = 4: 5.25 to 5.32 s); what made it slow was not recorded. (The splitter's throttled
        // PutRecords, which back off with the SDK's random jitter, are one source of spread: split took 1.94 to 3.69 s.) A pair that disagrees is run twice more, and the medians of three are compared: a K that changes
        // the AWS seconds moves every run, and the median with them.
        const twos = [atTwo];
        const fours = [atFour];
        const medianOf = (reports: RunReport[], of: (report: RunReport) => number) => median(reports.map(of));
        const apart = () => Math.abs(medianOf(twos, fromFirstBatch) - medianOf(fours, fromFirstBatch)) / Math.min(medianOf(twos, fromFirstBatch), medianOf(fours, fromFirstBatch));
        if (apart() > 0.15) {
            for (let more = 0; more < 2; more++) {
                twos.push(await run(2));
                fours.push(await run(4));
            }
        }

        // Assess
        assert.equal(atTwo.timeScale, 2);
        assert.equal(atFour.timeScale, 4);
        const runs = (reports: RunReport[]) => reports.map((report) => `${report.seconds.pipeline.toFixed(2)} (first batch at ${firstBatch(report).toFixed(2)})`).join(", ");
        const detail = `K = 2: ${runs(twos)} s, K = 4: ${runs(fours)} s of AWS time (first pair: machine busy ${percent(atTwo)} and ${percent(atFour)}, split ${atTwo.seconds.split.toFixed(2)} and ${atFour.seconds.split.toFixed(2)} s)`;
        assert.ok(apart() <= 0.15, detail);
        const [wholeTwo, wholeFour] = [medianOf(twos, (report) => report.seconds.pipeline), medianOf(fours, (report) => report.seconds.pipeline)];
        assert.ok(Math.abs(wholeTwo - wholeFour) <= 0.15 * Math.min(wholeTwo, wholeFour) + 1, detail);
        assert.ok(atFour.headroom.wallSeconds > 1.5 * atTwo.headroom.wallSeconds, `K = 4 took ${atFour.headroom.wallSeconds.toFixed(1)} s wall, K = 2 ${atTwo.headroom.wallSeconds.toFixed(1)} s`);
    });
});
