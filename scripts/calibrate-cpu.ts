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
 * - their early invocations, beyond that, give the warm-up: fitted to msFirstInvocation (in a
 *   sandbox's first invocation, whatever its records) + msWarmUp × (1 − e^(−records / warmUpRecords)).
 * The file keeps every run's invocations (`samples`), so `npm run calibrate-cpu -- --refit` fits them
 * again without measuring.
 * Until 2026-12-02 the round's CPU was measured with no share, as a wake-up from idle (about 1.7 ms);
 * held to its share, as in the runs it is checked against, a round of pf10's shape cost several times
 * that, and the planner under-counted the CPU of narrow writers (pf1, pf10) by a third or more.
 * Each sandbox's init reports its CPU (Node's start and the module's load). The splitter's one
 * invocation per file gives its CPU per record.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { MEASURED_CPU_FILE, vcpuShare, type FunctionCpu, type MeasuredCpu } from "../planner/function-cpu";
import { batchIoSeconds, batchRounds } from "../planner/writer-batch";
import { plannerLatencies } from "../runtime/compare/compare-stacks";
import { runPipeline } from "../runtime/pipeline/run-pipeline";
import type { RunReport } from "../runtime/pipeline/run-report";
import { readStackFile } from "../runtime/stack/read-stack-file";
import { writeWorkloadFile } from "../runtime/workload/seed-workload";
import { fitInvocationRecordsRounds, fitWarmUp } from "./fit-writer-cpu";

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
 * automatic K, from 4 (its floor, CALIBRATED_TIME_SCALE_FLOOR) to about 35 (40 writer lanes) on 2 cores; 6 is
 * near the middle of 1.5 to 35 on a log scale (7.3), and what compare picked for dev and prod before each stack had its own. The writer's CPU for the same invocations grows a little with K, as each
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

/** One calibration run, as the file keeps it (`samples`). */
interface Sample {
    shape: Shape;
    shareMode: string;
    invocations: Invocation[];
    /** Mean warm invocation (after WARM_AFTER_RECORDS of its sandbox): records and CPU. */
    warmRecords: number;
    warmCpuMs: number;
    writerInitMs: number;
    splitterInitMs: number;
    splitterPerRecordMs: number;
}

function sample(shape: Shape, report: RunReport): Sample {
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
        shape,
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

/** The planner's figures fitted to the runs of each shape: warm CPU from the medians, the warm-up from every run's early invocations. */
function fit(samples: Sample[], timeScale: number): { writer: FunctionCpu; splitter: FunctionCpu; summary: string } {
    const ofShape = (shape: Shape) => samples.filter((s) => label(s.shape) === label(shape));
    const points = SHAPES.map((shape) => ({ shape, records: median(ofShape(shape).map((s) => s.warmRecords)), cpuMs: median(ofShape(shape).map((s) => s.warmCpuMs)) }));
    const roundsOf = (records: number, shape: Shape) => batchRounds(records, shape.writerConcurrency);
    const { perInvocation, perRecord, perRound } = fitInvocationRecordsRounds(points.map((p) => ({ records: p.records, rounds: roundsOf(p.records, p.shape), cpuMs: p.cpuMs })));
    const busy = (records: number, shape: Shape) => perInvocation + records * perRecord + roundsOf(records, shape) * perRound;
    const shapeLines = points.map((p) => {
        const cpuSeconds = p.cpuMs / 1000 / vcpuShare(p.shape.writerMemoryMb);
        const ioSeconds = ioMs(p.records, p.shape.writerConcurrency) / 1000;
        return `${label(p.shape)}: ${p.cpuMs.toFixed(1)} ms a warm batch of ${p.records.toFixed(0)} in ${roundsOf(p.records, p.shape)} rounds (fit ${busy(p.records, p.shape).toFixed(1)}) = ${cpuSeconds.toFixed(2)} s at its share against ${ioSeconds.toFixed(2)} s of I/O`;
    });
    // The warm-up: each early invocation's CPU beyond its warm cost, cumulated over the sandbox's records.
    const warmUpPoints = samples.flatMap((s) => {
        let excess = 0;
        return s.invocations
            .filter((inv) => inv.recordsThrough - inv.records < WARM_AFTER_RECORDS)
            .map((inv) => ({ recordsThrough: inv.recordsThrough, excessMs: (excess += inv.cpuMs - busy(inv.records, s.shape)) }));
    });
    const warmUp = fitWarmUp(warmUpPoints);
    const writer: FunctionCpu = {
        msInit: round(median(samples.map((s) => s.writerInitMs))),
        msPerInvocation: round(perInvocation),
        msPerRecord: round(perRecord),
        msFirstInvocation: round(warmUp.msFirstInvocation),
        msWarmUp: round(warmUp.msWarmUp),
        warmUpRecords: round(warmUp.warmUpRecords),
        msPerRound: round(perRound),
    };
    const splitter: FunctionCpu = {
        msInit: round(median(samples.map((s) => s.splitterInitMs))),
        msPerInvocation: 0,
        msPerRecord: round(median(samples.map((s) => s.splitterPerRecordMs))),
        msFirstInvocation: 0,
        msWarmUp: 0,
        warmUpRecords: 1,
        msPerRound: 0,
    };
    const warmUpLine = `warm-up fitted to ${warmUpPoints.length} points, ${warmUp.rmsMs.toFixed(0)} ms rms`;
    const runs = Math.max(...SHAPES.map((shape) => ofShape(shape).length));
    const summary =
        `${RECORDS} lines of 2 KiB, 1 shard, 1 writer lane, ${runs} runs of each shape (medians), stand-ins under the AWS profile, process.cpuUsage per invocation in the sandbox; ` +
        `CPU per invocation, record and round of PutObjects from warm invocations (after ${WARM_AFTER_RECORDS} records of a sandbox) held to their share (CPU share ${samples[0]?.shareMode}) at K = ${timeScale}: ${shapeLines.join("; ")}; ` +
        `${warmUpLine}`;
    process.stdout.write(
        `writer: init ${writer.msInit} ms; warm ${writer.msPerInvocation} ms an invocation + ${writer.msPerRecord} ms a record + ${writer.msPerRound} ms a round of PutObjects; ` +
            `warm-up ${writer.msFirstInvocation} ms in a sandbox's first invocation + ${writer.msWarmUp} ms decaying over ${writer.warmUpRecords} records (${warmUpLine})\n` +
            `  ${shapeLines.join("\n  ")}\n` +
            `splitter: init ${splitter.msInit} ms, ${splitter.msPerRecord} ms a record\n`,
    );
    return { writer, splitter, summary };
}

async function measure(timeScale: number): Promise<Sample[]> {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "kinesis-fanout-calibrate-"));
    try {
        const inputFile = path.join(scratch, "products.jsonl");
        await writeWorkloadFile(inputFile, { records: RECORDS, recordBytes: 2048, seed: 42 });
        const samples: Sample[] = [];
        process.stdout.write(`every run held to its share at K = ${timeScale}\n`);
        for (let repeat = 1; repeat <= REPEATS; repeat++) {
            for (const shape of SHAPES) {
                const measured = sample(shape, await run(shape, inputFile, timeScale));
                samples.push(measured);
                const curve = measured.invocations.slice(0, 12).map((inv) => `${inv.cpuMs.toFixed(0)}/${inv.records}`);
                process.stdout.write(
                    `run ${repeat}/${REPEATS}, ${label(shape)} (CPU share ${measured.shareMode}): ${measured.warmCpuMs.toFixed(1)} ms of CPU a warm invocation of ${measured.warmRecords.toFixed(0)} records; ` +
                        `a sandbox's invocations 1 to ${curve.length}, ms of CPU/records: ${curve.join(", ")}\n`,
                );
            }
        }
        return samples;
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

/** planner/measured-cpu.json as calibrate-cpu writes it: the planner's figures, the runs' K and the runs themselves. */
type CalibrationFile = MeasuredCpu & { timeScale: number; samples: Sample[] };

/** The file's runs, for --refit: refused with the reason when it has none, or none of a shape. */
function savedCalibration(file: string): CalibrationFile {
    const saved = JSON.parse(fs.readFileSync(file, "utf8")) as MeasuredCpu & Partial<CalibrationFile>;
    const samples = saved.samples ?? [];
    const missing = SHAPES.filter((shape) => !samples.some((s) => label(s.shape) === label(shape)));
    if (missing.length) throw new Error(`${file} keeps no runs of ${missing.map(label).join(", ")} to fit again (it has ${samples.length} runs); run npm run calibrate-cpu to measure`);
    return { ...saved, timeScale: saved.timeScale ?? CALIBRATION_TIME_SCALE, samples };
}

const program = new Command()
    .name("npm run calibrate-cpu --")
    .description(`Measures the writer's and splitter's CPU on this machine and rewrites ${path.relative(PROJECT_DIR, MEASURED_CPU_FILE)} (about 26 minutes on 2 cores).`)
    .option("--refit", "fit the file's saved runs (samples) again without measuring")
    .showHelpAfterError();

async function main(): Promise<void> {
    const { refit } = program.parse().opts<{ refit?: boolean }>();
    const timeScale = CALIBRATION_TIME_SCALE;
    if (refit) {
        const saved = savedCalibration(MEASURED_CPU_FILE);
        const fitted = fit(saved.samples, saved.timeScale);
        const file: CalibrationFile = {
            ...saved,
            method: `npm run calibrate-cpu, fitted again on ${new Date().toISOString()} from the runs of ${saved.measuredAt}: ${fitted.summary}; the machine's load at the time is in the figures`,
            writer: fitted.writer,
            splitter: fitted.splitter,
        };
        fs.writeFileSync(MEASURED_CPU_FILE, fileText(file));
        process.stdout.write(`wrote ${path.relative(process.cwd(), MEASURED_CPU_FILE)} (runs of ${saved.measuredAt}, ${saved.machine.cpuModel}, ${saved.machine.node})\n`);
        return;
    }
    const samples = await measure(timeScale);
    const fitted = fit(samples, timeScale);
    const cpus = os.cpus();
    const file: CalibrationFile = {
        measuredAt: new Date().toISOString(),
        machine: { cpuModel: cpus[0]?.model ?? "unknown", cores: cpus.length, node: process.version },
        method: `npm run calibrate-cpu: ${fitted.summary}; the machine's load at the time is in the figures`,
        writer: fitted.writer,
        splitter: fitted.splitter,
        timeScale,
        samples,
    };
    fs.writeFileSync(MEASURED_CPU_FILE, fileText(file));
    process.stdout.write(`wrote ${path.relative(process.cwd(), MEASURED_CPU_FILE)} (${file.machine.cpuModel}, ${file.machine.node})\n`);
}

/** The file as JSON: the figures indented, each saved run on one line of its own (a few hundred invocations in all). */
function fileText(file: CalibrationFile): string {
    const { samples, ...figures } = file;
    const body = JSON.stringify({ ...figures, samples: [] }, null, 2);
    const runs = samples.map((sample) => `    ${JSON.stringify(sample)}`).join(",\n");
    return body.replace(/"samples": \[\]/, samples.length ? `"samples": [\n${runs}\n  ]` : `"samples": []`) + "\n";
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
