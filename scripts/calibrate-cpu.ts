/**
 * `npm run calibrate-cpu`: measures the functions' own CPU on this machine and rewrites
 * planner/measured-cpu.json, which the planner scales by Lambda's CPU share.
 *
 * Method: the real writer and splitter, in sandboxes, against the embedded stand-ins (fauxqs,
 * kinesalite), one shard and one writer lane, so one writer sandbox runs every batch; under the
 * AWS profile, so calls are in flight as long as on AWS; the runs held to a share at a time scale
 * between those compare and bench pick (CALIBRATION_TIME_SCALE). Each sandbox reports its invocations' CPU
 * (process.cpuUsage around the handler) and records, by ordinal.
 *
 * A writer's CPU is per invocation, per record and per round of writerConcurrency PutObjects (it
 * sends a round, waits for the answers and handles them). Three shapes that differ in records and in
 * rounds are run, each held to its memory's share at the same time scale, as every compare and bench
 * run is, and each REPEATS times (medians: this machine's CPU time of the same run varies by up to a
 * third from run to run):
 * - batches of 100 with 16 in flight (7 rounds; the dev stack's writer), batches of 500 with 20 in
 *   flight (25 rounds; prod's), and batches of 100 with 4 in flight (25 rounds; pf1's and pf10's), all
 *   at 512 MB: their warm invocations (after a sandbox's first 1,500 records) give the CPU per
 *   invocation, per record and per round, three equations for three unknowns;
 * - their early invocations, beyond that, give V8's warm-up: fitted to
 *   msWarmUp × (1 − e^(−records / warmUpRecords)).
 * Until 2026-12-02 the round's CPU was measured with no share, as a wake-up from idle (about 1.7 ms);
 * held to its share, as in the runs it is checked against, a round of pf10's shape cost several times
 * that, and the planner under-counted the CPU of narrow writers (pf1, pf10) by a third or more.
 * Each sandbox's init reports its CPU (Node's start and the module's load). The splitter's one
 * invocation per file gives its CPU per record.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MEASURED_CPU_FILE, vcpuShare, type FunctionCpu, type MeasuredCpu } from "../planner/function-cpu";
import { batchIoSeconds, batchRounds } from "../planner/writer-batch";
import { plannerLatencies } from "../runtime/compare/compare-stacks";
import { runPipeline } from "../runtime/pipeline/run-pipeline";
import type { RunReport } from "../runtime/pipeline/run-report";
import { readStackFile } from "../runtime/stack/read-stack-file";
import { writeWorkloadFile } from "../runtime/workload/seed-workload";
import { fitInvocationRecordsRounds } from "./fit-writer-cpu";

const PROJECT_DIR = path.join(__dirname, "..");
const RECORDS = 3000;
const REPEATS = 3;
/** A sandbox counts as warm once it has run this many records (half of each calibration run); the printed curve shows where its CPU levels off. */
const WARM_AFTER_RECORDS = 1500;
const SHAPES = [
    { batchSize: 100, writerConcurrency: 16, writerMemoryMb: 512 },
    { batchSize: 500, writerConcurrency: 20, writerMemoryMb: 512 },
    { batchSize: 100, writerConcurrency: 4, writerMemoryMb: 512 },
] as const satisfies ReadonlyArray<{ batchSize: number; writerConcurrency: number; writerMemoryMb: number }>;
type Shape = (typeof SHAPES)[number];

const label = (shape: Shape) => `${shape.batchSize}/${shape.writerConcurrency} at ${shape.writerMemoryMb} MB`;

/**
 * The time scale of the runs held to their share. Compare and bench run each stack at its own
 * automatic K, from 1.5 (dev) to about 35 (40 writer lanes) on 2 cores; 6 is near the middle of that
 * range on a log scale (7.3), and what compare picked for dev and prod before each stack had its own. The writer's CPU for the same invocations grows a little with K, as each
 * slice resumes after a longer gap: pf1's lane (batches of 100, 4 in flight, 512 MB) used 1.22,
 * 1.32 and 1.37 times this calibration's CPU at K = 2, 6 and 12, three runs within four minutes
 * of each other on 2026-12-02, while the machine drifted by more than that between hours.
 */
export const CALIBRATION_TIME_SCALE = 6;

async function run(shape: Shape, inputFile: string, timeScale: number): Promise<RunReport> {
    const dev = readStackFile(PROJECT_DIR, "dev");
    const settings = { ...dev.settings, streamMode: "PROVISIONED" as const, shardCount: 1, parallelizationFactor: 1, maximumBatchingWindowInSeconds: 1, ...shape };
    // Under the AWS profile, so each PutObject is in flight as long as on AWS (the runs the planner is checked against).
    const report = await runPipeline({
        stack: `calibrate-${shape.batchSize}-${shape.writerConcurrency}-${shape.writerMemoryMb}`,
        settings,
        region: dev.region,
        inputFile,
        inputName: "products.jsonl",
        measureS3Ceiling: false,
        awsProfile: {},
        cpuShare: "auto",
        timeScale,
    });
    if (!report.output.verified) throw new Error(`the calibration run ${label(shape)} did not verify: ${report.output.problems.join("; ")}`);
    return report;
}

/** A warm writer batch's I/O in ms as the planner sees it (compare's latencies). */
function ioMs(records: number, writerConcurrency: number): number {
    return batchIoSeconds(records, writerConcurrency, plannerLatencies({})) * 1000;
}

/** One writer invocation: its ordinal in the sandbox, records and CPU. */
interface Invocation {
    records: number;
    cpuMs: number;
    /** Records the sandbox ran before and including this one. */
    recordsThrough: number;
}

interface Sample {
    shareMode: string;
    invocations: Invocation[];
    /** Mean warm invocation (after WARM_AFTER_RECORDS of its sandbox): records and CPU. */
    warmRecords: number;
    warmCpuMs: number;
    writerInitMs: number;
    splitterInitMs: number;
    splitterPerRecordMs: number;
}

function sample(report: RunReport): Sample {
    const { writer, splitter } = report.cpuShare;
    if (writer.invocationsByOrdinal.some((count) => count !== 1)) {
        throw new Error(`a calibration run needs one writer sandbox, each invocation once (got ${writer.invocationsByOrdinal.join(", ")} by ordinal)`);
    }
    let through = 0;
    const invocations = writer.cpuMsByOrdinal.map((cpuMs, i) => {
        const records = writer.recordsByOrdinal[i];
        through += records;
        return { records, cpuMs, recordsThrough: through };
    });
    const warm = invocations.filter((inv) => inv.recordsThrough - inv.records >= WARM_AFTER_RECORDS);
    if (warm.length < 3) throw new Error(`too few warm writer invocations (${warm.length}, after ${WARM_AFTER_RECORDS} records of a sandbox) to measure`);
    const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
    return {
        shareMode: writer.mode,
        invocations,
        warmRecords: sum(warm.map((inv) => inv.records)) / warm.length,
        warmCpuMs: sum(warm.map((inv) => inv.cpuMs)) / warm.length,
        writerInitMs: writer.initCpuMs / Math.max(1, writer.inits),
        splitterInitMs: splitter.initCpuMs / Math.max(1, splitter.inits),
        splitterPerRecordMs: splitter.invocationCpuMs / RECORDS,
    };
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** msWarmUp × (1 − e^(−records / warmUpRecords)) fitted to the early invocations' cumulative excess over warm (least squares; the decay by a search over 10 to 5,000 records). */
function fitWarmUp(points: Array<{ recordsThrough: number; excessMs: number }>): { msWarmUp: number; warmUpRecords: number; rmsMs: number } {
    let best = { msWarmUp: 0, warmUpRecords: 1, rmsMs: Infinity };
    for (let decay = 10; decay <= 5000; decay *= 1.02) {
        const shape = points.map((p) => 1 - Math.exp(-p.recordsThrough / decay));
        const scale = Math.max(0, points.reduce((total, p, i) => total + p.excessMs * shape[i], 0) / shape.reduce((total, f) => total + f * f, 0));
        const rmsMs = Math.sqrt(points.reduce((total, p, i) => total + (p.excessMs - scale * shape[i]) ** 2, 0) / points.length);
        if (rmsMs < best.rmsMs) best = { msWarmUp: scale, warmUpRecords: decay, rmsMs };
    }
    return best;
}

async function main(): Promise<void> {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "kinesis-fanout-calibrate-"));
    try {
        const inputFile = path.join(scratch, "products.jsonl");
        await writeWorkloadFile(inputFile, { records: RECORDS, recordBytes: 2048, seed: 42 });
        const byShape = new Map<Shape, Sample[]>(SHAPES.map((shape) => [shape, []]));
        const timeScale = CALIBRATION_TIME_SCALE;
        process.stdout.write(`every run held to its share at K = ${timeScale}\n`);
        for (let repeat = 1; repeat <= REPEATS; repeat++) {
            for (const shape of SHAPES) {
                const measured = sample(await run(shape, inputFile, timeScale));
                byShape.get(shape)?.push(measured);
                const curve = measured.invocations.slice(0, 12).map((inv) => `${inv.cpuMs.toFixed(0)}/${inv.records}`);
                process.stdout.write(
                    `run ${repeat}/${REPEATS}, ${label(shape)} (CPU share ${measured.shareMode}): ${measured.warmCpuMs.toFixed(1)} ms of CPU a warm invocation of ${measured.warmRecords.toFixed(0)} records; ` +
                        `a sandbox's invocations 1 to ${curve.length}, ms of CPU/records: ${curve.join(", ")}\n`,
                );
            }
        }
        const medianOf = (shape: Shape) => {
            const samples = byShape.get(shape) ?? [];
            return { shape, records: median(samples.map((s) => s.warmRecords)), cpuMs: median(samples.map((s) => s.warmCpuMs)) };
        };
        const points = SHAPES.map(medianOf);
        const roundsOf = (records: number, shape: Shape) => batchRounds(records, shape.writerConcurrency);
        const { perInvocation, perRecord, perRound } = fitInvocationRecordsRounds(points.map((p) => ({ records: p.records, rounds: roundsOf(p.records, p.shape), cpuMs: p.cpuMs })));
        const busy = (records: number, shape: Shape) => perInvocation + records * perRecord + roundsOf(records, shape) * perRound;
        const shapeLines = points.map((p) => {
            const cpuSeconds = p.cpuMs / 1000 / vcpuShare(p.shape.writerMemoryMb);
            const ioSeconds = ioMs(p.records, p.shape.writerConcurrency) / 1000;
            return `${label(p.shape)}: ${p.cpuMs.toFixed(1)} ms a warm batch of ${p.records.toFixed(0)} in ${roundsOf(p.records, p.shape)} rounds (fit ${busy(p.records, p.shape).toFixed(1)}) = ${cpuSeconds.toFixed(2)} s at its share against ${ioSeconds.toFixed(2)} s of I/O`;
        });
        // V8's warm-up: each early invocation's CPU beyond its warm cost, cumulated over the sandbox's records.
        const warmUpPoints = points.flatMap((p) =>
            (byShape.get(p.shape) ?? []).flatMap((s) => {
                let excess = 0;
                return s.invocations
                    .filter((inv) => inv.recordsThrough - inv.records < WARM_AFTER_RECORDS)
                    .map((inv) => ({ recordsThrough: inv.recordsThrough, excessMs: (excess += inv.cpuMs - busy(inv.records, p.shape)) }));
            }),
        );
        const warmUp = fitWarmUp(warmUpPoints);
        const all = [...byShape.values()].flat();
        const writer: FunctionCpu = {
            msInit: round(median(all.map((s) => s.writerInitMs))),
            msPerInvocation: round(perInvocation),
            msPerRecord: round(perRecord),
            msWarmUp: round(warmUp.msWarmUp),
            warmUpRecords: round(warmUp.warmUpRecords),
            msPerRound: round(perRound),
        };
        const splitter: FunctionCpu = {
            msInit: round(median(all.map((s) => s.splitterInitMs))),
            msPerInvocation: 0,
            msPerRecord: round(median(all.map((s) => s.splitterPerRecordMs))),
            msWarmUp: 0,
            warmUpRecords: 1,
            msPerRound: 0,
        };
        const warmUpLine = `warm-up fitted to ${warmUpPoints.length} points, ${warmUp.rmsMs.toFixed(0)} ms rms`;
        const cpus = os.cpus();
        const measured: MeasuredCpu = {
            measuredAt: new Date().toISOString(),
            machine: { cpuModel: cpus[0]?.model ?? "unknown", cores: cpus.length, node: process.version },
            method:
                `npm run calibrate-cpu: ${RECORDS} lines of 2 KiB, 1 shard, 1 writer lane, ${REPEATS} runs of each shape (medians), stand-ins under the AWS profile, process.cpuUsage per invocation in the sandbox; ` +
                `CPU per invocation, record and round of PutObjects from warm invocations (after ${WARM_AFTER_RECORDS} records of a sandbox) held to their share (CPU share ${all[0]?.shareMode}) at K = ${timeScale}: ${shapeLines.join("; ")}; ` +
                `${warmUpLine}; the machine's load at the time is in the figures`,
            writer,
            splitter,
        };
        fs.writeFileSync(MEASURED_CPU_FILE, JSON.stringify(measured, null, 2) + "\n");
        process.stdout.write(
            `writer: init ${writer.msInit} ms; warm ${writer.msPerInvocation} ms an invocation + ${writer.msPerRecord} ms a record + ${writer.msPerRound} ms a round of PutObjects; ` +
                `${writer.msWarmUp} ms of warm-up once per sandbox, decaying over ${writer.warmUpRecords} records (${warmUpLine})\n` +
                `  ${shapeLines.join("\n  ")}\n` +
                `splitter: init ${splitter.msInit} ms, ${splitter.msPerRecord} ms a record\nwrote ${path.relative(process.cwd(), MEASURED_CPU_FILE)} (${measured.machine.cpuModel}, ${measured.machine.node})\n`,
        );
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

function round(value: number): number {
    return Math.round(value * 1000) / 1000;
}

main().then(
    () => process.exit(0),
    (error: unknown) => {
        process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(2);
    },
);
