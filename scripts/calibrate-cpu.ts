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
 * A writer's CPU depends on whether it goes idle. Held to its memory's share, as on Lambda (and as
 * in every compare and bench run), a writer that is CPU-bound never waits: its PutObjects' answers
 * queue up while the kernel throttles it. With no share it goes idle for each round of
 * writerConcurrency PutObjects and pays to wake up again. So three shapes are run, each REPEATS
 * times (medians: this machine's CPU time of the same run varies by up to a third from run to run):
 * - two CPU-bound at their share (batches of 100 and of 500 at 512 MB): their warm invocations
 *   (after a sandbox's first 1,500 records) give the CPU per record and per invocation, and their
 *   early ones, beyond that, V8's warm-up: fitted to msWarmUp × (1 − e^(−records / warmUpRecords));
 * - one idle at no share (batches of 100, 4 PutObjects in flight: 25 rounds): what it costs beyond
 *   the first two's fit, per round that found it idle, is the CPU of a wait.
 * Each sandbox's init reports its CPU (Node's start and the module's load). The splitter's one
 * invocation per file gives its CPU per record.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MEASURED_CPU_FILE, vcpuShare, type FunctionCpu, type MeasuredCpu } from "../planner/function-cpu";
import { batchIoSeconds, batchRounds } from "../planner/writer-batch";
import type { CpuShareChoice } from "../runtime/lambda/cpu-share";
import { plannerLatencies } from "../runtime/compare/compare-stacks";
import { runPipeline } from "../runtime/pipeline/run-pipeline";
import type { RunReport } from "../runtime/pipeline/run-report";
import { readStackFile } from "../runtime/stack/read-stack-file";
import { writeWorkloadFile } from "../runtime/workload/seed-workload";

const PROJECT_DIR = path.join(__dirname, "..");
const RECORDS = 3000;
const REPEATS = 3;
/** A sandbox counts as warm once it has run this many records (half of each calibration run); the printed curve shows where its CPU levels off. */
const WARM_AFTER_RECORDS = 1500;
const SHAPES = [
    { batchSize: 100, writerConcurrency: 16, writerMemoryMb: 512, cpuShare: "auto" },
    { batchSize: 500, writerConcurrency: 20, writerMemoryMb: 512, cpuShare: "auto" },
    { batchSize: 100, writerConcurrency: 4, writerMemoryMb: 256, cpuShare: "off" },
] as const satisfies ReadonlyArray<{ batchSize: number; writerConcurrency: number; writerMemoryMb: number; cpuShare: CpuShareChoice }>;
type Shape = (typeof SHAPES)[number];

const label = (shape: Shape) => `${shape.batchSize}/${shape.writerConcurrency} at ${shape.writerMemoryMb} MB${shape.cpuShare === "off" ? " with no share" : ""}`;

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
    const { cpuShare, ...sizes } = shape;
    const settings = { ...dev.settings, streamMode: "PROVISIONED" as const, shardCount: 1, parallelizationFactor: 1, maximumBatchingWindowInSeconds: 1, ...sizes };
    // Under the AWS profile, so each PutObject is in flight as long as on AWS (the runs the planner is checked against).
    const report = await runPipeline({
        stack: `calibrate-${shape.batchSize}-${shape.writerConcurrency}-${shape.writerMemoryMb}`,
        settings,
        region: dev.region,
        inputFile,
        inputName: "products.jsonl",
        measureS3Ceiling: false,
        awsProfile: {},
        cpuShare,
        timeScale: cpuShare === "off" ? 1 : timeScale,
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

/** CPU per invocation and per record through two (records, CPU) points, both at least 0. */
function fitInvocationAndRecords(points: Array<{ records: number; cpuMs: number }>): { perInvocation: number; perRecord: number } {
    const [small, large] = [...points].sort((a, b) => a.records - b.records);
    const perRecord = (large.cpuMs - small.cpuMs) / (large.records - small.records);
    const perInvocation = small.cpuMs - small.records * perRecord;
    if (perRecord > 0 && perInvocation >= 0) return { perInvocation, perRecord };
    // A negative term is noise: through the origin instead (least squares).
    const rr = points.reduce((total, p) => total + p.records * p.records, 0);
    return { perInvocation: 0, perRecord: points.reduce((total, p) => total + p.records * p.cpuMs, 0) / rr };
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
        process.stdout.write(`runs held to their share at K = ${timeScale}, the one with no share at K = 1\n`);
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
        const [small, large, idle] = SHAPES.map(medianOf);
        const { perInvocation, perRecord } = fitInvocationAndRecords([small, large]);
        const busy = (records: number) => perInvocation + records * perRecord;
        // Both CPU-bound shapes must really have been: their warm CPU at the share longer than their I/O.
        const cpuBound = [small, large].map((p) => {
            const cpuSeconds = p.cpuMs / 1000 / vcpuShare(p.shape.writerMemoryMb);
            const ioSeconds = ioMs(p.records, p.shape.writerConcurrency) / 1000;
            const line = `${label(p.shape)}: ${p.cpuMs.toFixed(1)} ms a warm batch of ${p.records.toFixed(0)} = ${cpuSeconds.toFixed(2)} s at its share against ${ioSeconds.toFixed(2)} s of I/O`;
            // One that went idle would mix its wake-ups into the CPU per record.
            if (!(cpuSeconds > ioSeconds)) throw new Error(`${line}: not CPU-bound at its share, so it cannot measure the CPU per record; nothing written`);
            return line;
        });
        // With no share it has a whole core: its CPU c is its busy part b plus the wake-ups of the rounds that
        // found it idle, 1 − c / io of them (as the planner charges them): c = b + rounds × w × (1 − c / io).
        const rounds = batchRounds(idle.records, idle.shape.writerConcurrency);
        const idleIo = ioMs(idle.records, idle.shape.writerConcurrency);
        if (!(idle.cpuMs < idleIo)) throw new Error(`${label(idle.shape)}: ${idle.cpuMs.toFixed(1)} ms of CPU against ${idleIo} ms of I/O never went idle, so it cannot measure a wake-up; nothing written`);
        const idleFraction = 1 - idle.cpuMs / idleIo;
        const perWait = Math.max(0, (idle.cpuMs - busy(idle.records)) / (rounds * idleFraction));
        // V8's warm-up: each early invocation's CPU beyond its warm cost, cumulated over the sandbox's records.
        const warmUpPoints = [small, large].flatMap((p) =>
            (byShape.get(p.shape) ?? []).flatMap((s) => {
                let excess = 0;
                return s.invocations
                    .filter((inv) => inv.recordsThrough - inv.records < WARM_AFTER_RECORDS)
                    .map((inv) => ({ recordsThrough: inv.recordsThrough, excessMs: (excess += inv.cpuMs - busy(inv.records)) }));
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
            msPerWait: round(perWait),
        };
        const splitter: FunctionCpu = {
            msInit: round(median(all.map((s) => s.splitterInitMs))),
            msPerInvocation: 0,
            msPerRecord: round(median(all.map((s) => s.splitterPerRecordMs))),
            msWarmUp: 0,
            warmUpRecords: 1,
            msPerWait: 0,
        };
        const idleLine = `${label(idle.shape)}: ${idle.cpuMs.toFixed(1)} ms a warm batch of ${idle.records.toFixed(0)}, ${busy(idle.records).toFixed(1)} of it busy, the rest over the ${(idleFraction * 100).toFixed(0)}% of its ${rounds} rounds that found it idle`;
        const warmUpLine = `warm-up fitted to ${warmUpPoints.length} points, ${warmUp.rmsMs.toFixed(0)} ms rms`;
        const cpus = os.cpus();
        const measured: MeasuredCpu = {
            measuredAt: new Date().toISOString(),
            machine: { cpuModel: cpus[0]?.model ?? "unknown", cores: cpus.length, node: process.version },
            method:
                `npm run calibrate-cpu: ${RECORDS} lines of 2 KiB, 1 shard, 1 writer lane, ${REPEATS} runs of each shape (medians), stand-ins under the AWS profile, process.cpuUsage per invocation in the sandbox; ` +
                `CPU per record and invocation from warm invocations (after ${WARM_AFTER_RECORDS} records of a sandbox) held to their share (CPU share ${all[0]?.shareMode}) at K = ${timeScale}: ${cpuBound.join("; ")}; ` +
                `CPU per wait from ${idleLine}; ${warmUpLine}; the machine's load at the time is in the figures`,
            writer,
            splitter,
        };
        fs.writeFileSync(MEASURED_CPU_FILE, JSON.stringify(measured, null, 2) + "\n");
        process.stdout.write(
            `writer: init ${writer.msInit} ms; warm ${writer.msPerInvocation} ms an invocation + ${writer.msPerRecord} ms a record; ` +
                `${writer.msWarmUp} ms of warm-up once per sandbox, decaying over ${writer.warmUpRecords} records (${warmUpLine}); ${writer.msPerWait} ms a wait when idle\n` +
                `  ${cpuBound.join("\n  ")}\n  ${idleLine}\n` +
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
