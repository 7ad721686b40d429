/**
 * `npm run calibrate-cpu`: measures the functions' own CPU on this machine and rewrites
 * planner/measured-cpu.json, which the planner scales by Lambda's CPU share.
 *
 * Method: the real writer and splitter, in sandboxes, against the embedded stand-ins (fauxqs,
 * kinesalite) with no CPU share, one shard and one writer lane, so one writer
 * sandbox runs every batch; under the AWS profile, so calls are in flight as long as on AWS. Each sandbox reports its invocations' CPU (process.cpuUsage around
 * the handler). Two runs with different batch sizes split a warm invocation's CPU into a part per
 * invocation and a part per record; the first (cold) invocation of the larger batch gives the
 * CPU per record while V8 warms up; each sandbox's init reports its CPU (Node's start and the module's load). The splitter's one invocation per file gives its CPU per record.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MEASURED_CPU_FILE, type FunctionCpu, type MeasuredCpu } from "../planner/function-cpu";
import { runPipeline } from "../runtime/pipeline/run-pipeline";
import type { RunReport } from "../runtime/pipeline/run-report";
import { readStackFile } from "../runtime/stack/read-stack-file";
import { writeWorkloadFile } from "../runtime/workload/seed-workload";

const PROJECT_DIR = path.join(__dirname, "..");
const RECORDS = 3000;
const SMALL_BATCH = 50;
const LARGE_BATCH = 500;
const WRITER_CONCURRENCY = 20;

async function run(batchSize: number, inputFile: string): Promise<RunReport> {
    const dev = readStackFile(PROJECT_DIR, "dev");
    const settings = {
        ...dev.settings,
        streamMode: "PROVISIONED" as const,
        shardCount: 1,
        parallelizationFactor: 1,
        batchSize,
        maximumBatchingWindowInSeconds: 1,
        writerConcurrency: WRITER_CONCURRENCY,
    };
    // Under the AWS profile, so each PutObject is in flight as long as on AWS (the runs the planner is checked against).
    const report = await runPipeline({
        stack: `calibrate-${batchSize}`,
        settings,
        region: dev.region,
        inputFile,
        inputName: "products.jsonl",
        measureS3Ceiling: false,
        awsProfile: {},
        cpuShare: "off",
    });
    if (!report.output.verified) throw new Error(`the calibration run with batch ${batchSize} did not verify: ${report.output.problems.join("; ")}`);
    return report;
}

/** Mean CPU of a warm writer invocation, and its mean batch. */
function warmInvocation(report: RunReport): { cpuMs: number; records: number; coldCpuMs: number } {
    const writer = report.cpuShare.writer;
    const warmCount = report.invocations.writer - writer.coldInvocations;
    if (warmCount < 3) throw new Error(`too few warm writer invocations (${warmCount}) to measure`);
    return {
        cpuMs: (writer.invocationCpuMs - writer.coldInvocationCpuMs) / warmCount,
        records: report.mapping.meanBatchSize,
        coldCpuMs: writer.coldInvocationCpuMs / Math.max(1, writer.coldInvocations),
    };
}

async function main(): Promise<void> {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "kinesis-fanout-calibrate-"));
    try {
        const inputFile = path.join(scratch, "products.jsonl");
        await writeWorkloadFile(inputFile, { records: RECORDS, recordBytes: 2048, seed: 42 });
        const small = warmInvocation(await run(SMALL_BATCH, inputFile));
        const largeReport = await run(LARGE_BATCH, inputFile);
        const large = warmInvocation(largeReport);
        // The slope between the two batch sizes gives the part per invocation; the large batch, less
        // that, gives the part per record (one difference of two noisy means would amplify the noise).
        const slope = (large.cpuMs - small.cpuMs) / (large.records - small.records);
        const msPerInvocation = Math.max(0, small.cpuMs - small.records * slope);
        const msPerRecord = Math.max(0, (large.cpuMs - msPerInvocation) / large.records);
        const { writer: writerShare, splitter: splitterShare } = largeReport.cpuShare;
        const writer: FunctionCpu = {
            msInit: round(writerShare.initCpuMs / Math.max(1, writerShare.inits)),
            msPerInvocation: round(msPerInvocation),
            msPerRecord: round(msPerRecord),
            msPerRecordWarmingUp: round(Math.max(msPerRecord, (large.coldCpuMs - msPerInvocation) / Math.min(LARGE_BATCH, RECORDS))),
        };
        const splitterPerRecord = largeReport.cpuShare.splitter.invocationCpuMs / RECORDS;
        const splitter: FunctionCpu = { msInit: round(splitterShare.initCpuMs / Math.max(1, splitterShare.inits)), msPerInvocation: 0, msPerRecord: round(splitterPerRecord), msPerRecordWarmingUp: round(splitterPerRecord) };
        const cpus = os.cpus();
        const measured: MeasuredCpu = {
            measuredAt: new Date().toISOString(),
            machine: { cpuModel: cpus[0]?.model ?? "unknown", cores: cpus.length, node: process.version },
            method:
                `npm run calibrate-cpu: ${RECORDS} lines of 2 KiB, 1 shard, 1 writer lane, writerConcurrency ${WRITER_CONCURRENCY}, batches of ${SMALL_BATCH} and ${LARGE_BATCH}, ` +
                "stand-ins under the AWS profile, no CPU share, process.cpuUsage per invocation in the sandbox; the machine's load at the time is in the figures",
            writer,
            splitter,
        };
        fs.writeFileSync(MEASURED_CPU_FILE, JSON.stringify(measured, null, 2) + "\n");
        process.stdout.write(
            `writer: init ${writer.msInit} ms, ${writer.msPerInvocation} ms an invocation + ${writer.msPerRecord} ms a record warm, ${writer.msPerRecordWarmingUp} ms warming up; ` +
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
