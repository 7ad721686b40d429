/**
 * `npm run calibrate-cpu`: measures the functions' own CPU on this machine and rewrites
 * planner/measured-cpu.json, which the planner scales by Lambda's CPU share.
 *
 * Method: the real writer and splitter, in sandboxes, against the embedded stand-ins (fauxqs,
 * kinesalite) with no CPU share and no time dilation, one shard and one writer lane, so one writer
 * sandbox runs every batch; under the AWS profile, so calls are in flight as long as on AWS. Each
 * sandbox reports its invocations' CPU (process.cpuUsage around the handler).
 *
 * A writer batch's CPU depends on its records and on how often it waits on its PutObjects and
 * wakes up again (once a round of writerConcurrency calls): batches of 100 with 4 calls in flight
 * cost about twice the CPU of batches of 100 with 50. So three shapes are run (records, calls in
 * flight), each REPEATS times, and the median warm invocation of each is fitted to
 * records × CPU per record + rounds × CPU per wait (least squares). This machine's CPU time of
 * the same run varies by up to a third from run to run (other tenants' steal time), hence the medians.
 * A sandbox counts as warm after its first 1,500 records; what its earlier invocations cost beyond
 * the fit is V8's warm-up, once per sandbox; each sandbox's init
 * reports its CPU (Node's start and the module's load). The splitter's one invocation per file
 * gives its CPU per record.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MEASURED_CPU_FILE, WARM_UP_RECORDS, type FunctionCpu, type MeasuredCpu } from "../planner/function-cpu";
import { runPipeline } from "../runtime/pipeline/run-pipeline";
import type { RunReport } from "../runtime/pipeline/run-report";
import { readStackFile } from "../runtime/stack/read-stack-file";
import { writeWorkloadFile } from "../runtime/workload/seed-workload";

const PROJECT_DIR = path.join(__dirname, "..");
const RECORDS = 3000;
const REPEATS = 3;
/** Batch size and writerConcurrency of each run: many rounds, few rounds, and a large batch. */
const SHAPES = [
    { batchSize: 100, writerConcurrency: 4 },
    { batchSize: 100, writerConcurrency: 50 },
    { batchSize: 500, writerConcurrency: 20 },
] as const;
type Shape = (typeof SHAPES)[number];

async function run(shape: Shape, inputFile: string): Promise<RunReport> {
    const dev = readStackFile(PROJECT_DIR, "dev");
    const settings = { ...dev.settings, streamMode: "PROVISIONED" as const, shardCount: 1, parallelizationFactor: 1, maximumBatchingWindowInSeconds: 1, ...shape };
    // Under the AWS profile, so each PutObject is in flight as long as on AWS (the runs the planner is checked against).
    const report = await runPipeline({
        stack: `calibrate-${shape.batchSize}-${shape.writerConcurrency}`,
        settings,
        region: dev.region,
        inputFile,
        inputName: "products.jsonl",
        measureS3Ceiling: false,
        awsProfile: {},
        cpuShare: "off",
    });
    if (!report.output.verified) throw new Error(`the calibration run ${JSON.stringify(shape)} did not verify: ${report.output.problems.join("; ")}`);
    return report;
}

interface Sample {
    /** Mean CPU of a warm writer invocation, its records and its rounds of PutObjects. */
    warmCpuMs: number;
    records: number;
    waits: number;
    /** CPU of the invocations before WARM_AFTER_RECORDS (V8 still warming up), summed, and how many. */
    earlyCpuMs: number;
    earlyInvocations: number;
    writerInitMs: number;
    splitterInitMs: number;
    splitterPerRecordMs: number;
}

/** A sandbox counts as warm once it has run this many records (half of each calibration run); the printed curve shows where its CPU levels off. */
const WARM_AFTER_RECORDS = WARM_UP_RECORDS;

function sample(report: RunReport, shape: Shape): Sample {
    const { writer, splitter } = report.cpuShare;
    const records = report.mapping.meanBatchSize;
    // Invocations by their ordinal in their sandbox: the early ones still warm V8 up.
    const firstWarm = Math.ceil(WARM_AFTER_RECORDS / records);
    const sum = (values: number[], from: number, to: number) => values.slice(from, to).reduce((total, value) => total + value, 0);
    const warmCount = sum(writer.invocationsByOrdinal, firstWarm, Infinity);
    if (warmCount < 3) throw new Error(`too few warm writer invocations (${warmCount}, after ${WARM_AFTER_RECORDS} records of a sandbox) to measure`);
    return {
        warmCpuMs: sum(writer.cpuMsByOrdinal, firstWarm, Infinity) / warmCount,
        records,
        waits: Math.ceil(records / shape.writerConcurrency),
        earlyCpuMs: sum(writer.cpuMsByOrdinal, 0, firstWarm),
        earlyInvocations: sum(writer.invocationsByOrdinal, 0, firstWarm),
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

/** Least squares of y = perRecord × records + perWait × waits, both at least 0. */
function fitRecordsAndWaits(points: Array<{ records: number; waits: number; cpuMs: number }>): { perRecord: number; perWait: number } {
    const sum = (f: (p: (typeof points)[number]) => number) => points.reduce((total, p) => total + f(p), 0);
    const [rr, rw, ww] = [sum((p) => p.records * p.records), sum((p) => p.records * p.waits), sum((p) => p.waits * p.waits)];
    const [ry, wy] = [sum((p) => p.records * p.cpuMs), sum((p) => p.waits * p.cpuMs)];
    const determinant = rr * ww - rw * rw;
    let perRecord = (ry * ww - wy * rw) / determinant;
    let perWait = (wy * rr - ry * rw) / determinant;
    if (perWait < 0) [perRecord, perWait] = [ry / rr, 0];
    if (perRecord < 0) [perRecord, perWait] = [0, wy / ww];
    return { perRecord, perWait };
}

async function main(): Promise<void> {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "kinesis-fanout-calibrate-"));
    try {
        const inputFile = path.join(scratch, "products.jsonl");
        await writeWorkloadFile(inputFile, { records: RECORDS, recordBytes: 2048, seed: 42 });
        const byShape = new Map<Shape, Sample[]>(SHAPES.map((shape) => [shape, []]));
        for (let repeat = 1; repeat <= REPEATS; repeat++) {
            for (const shape of SHAPES) {
                const report = await run(shape, inputFile);
                const measured = sample(report, shape);
                const { cpuMsByOrdinal, invocationsByOrdinal } = report.cpuShare.writer;
                const curve = cpuMsByOrdinal.slice(0, 12).map((cpu, i) => (cpu / Math.max(1, invocationsByOrdinal[i])).toFixed(0));
                byShape.get(shape)?.push(measured);
                process.stdout.write(
                    `run ${repeat}/${REPEATS}, batches of ${shape.batchSize} with ${shape.writerConcurrency} PutObjects in flight: ${measured.warmCpuMs.toFixed(1)} ms of CPU a warm invocation of ${measured.records} records; a sandbox's invocations 1 to ${curve.length}: ${curve.join(", ")} ms\n`,
                );
            }
        }
        const all = [...byShape.values()].flat();
        const points = SHAPES.map((shape) => {
            const samples = byShape.get(shape) ?? [];
            return { shape, records: median(samples.map((s) => s.records)), waits: median(samples.map((s) => s.waits)), cpuMs: median(samples.map((s) => s.warmCpuMs)) };
        });
        const { perRecord, perWait } = fitRecordsAndWaits(points);
        const residuals = points.map((p) => `${p.shape.batchSize}/${p.shape.writerConcurrency}: ${p.cpuMs.toFixed(1)} ms measured, ${(p.records * perRecord + p.waits * perWait).toFixed(1)} fitted`);
        // V8's warm-up: what a sandbox's early invocations cost beyond the fitted warm cost of the same batches.
        const warmUp = median(all.map((s) => s.earlyCpuMs - s.earlyInvocations * (s.records * perRecord + s.waits * perWait)));
        const writer: FunctionCpu = {
            msInit: round(median(all.map((s) => s.writerInitMs))),
            msPerInvocation: 0,
            msPerRecord: round(perRecord),
            msWarmUp: round(Math.max(0, warmUp)),
            msPerWait: round(perWait),
        };
        const splitterPerRecord = median(all.map((s) => s.splitterPerRecordMs));
        const splitter: FunctionCpu = {
            msInit: round(median(all.map((s) => s.splitterInitMs))),
            msPerInvocation: 0,
            msPerRecord: round(splitterPerRecord),
            msWarmUp: 0,
            msPerWait: 0,
        };
        const cpus = os.cpus();
        const measured: MeasuredCpu = {
            measuredAt: new Date().toISOString(),
            machine: { cpuModel: cpus[0]?.model ?? "unknown", cores: cpus.length, node: process.version },
            method:
                `npm run calibrate-cpu: ${RECORDS} lines of 2 KiB, 1 shard, 1 writer lane, batches/PutObjects in flight of ${SHAPES.map((s) => `${s.batchSize}/${s.writerConcurrency}`).join(", ")}, ` +
                `${REPEATS} runs each (medians), stand-ins under the AWS profile, no CPU share, no time dilation, process.cpuUsage per invocation in the sandbox; ` +
                `the writer's warm invocations (after ${WARM_AFTER_RECORDS} records of its sandbox) fitted to records and rounds of PutObjects, the earlier ones' excess as its warm-up (${residuals.join("; ")}); the machine's load at the time is in the figures`,
            writer,
            splitter,
        };
        fs.writeFileSync(MEASURED_CPU_FILE, JSON.stringify(measured, null, 2) + "\n");
        process.stdout.write(
            `writer: init ${writer.msInit} ms, ${writer.msPerRecord} ms a record warm + ${writer.msPerWait} ms a round of PutObjects + ${writer.msWarmUp} ms once per sandbox warming up; ` +
                `fit: ${residuals.join("; ")}\nsplitter: init ${splitter.msInit} ms, ${splitter.msPerRecord} ms a record\nwrote ${path.relative(process.cwd(), MEASURED_CPU_FILE)} (${measured.machine.cpuModel}, ${measured.machine.node})\n`,
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
