import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readStackFile } from "../stack/read-stack-file";
import { writeWorkloadFile } from "../workload/seed-workload";
import { runPipeline, type RunOptions } from "../pipeline/run-pipeline";
import type { RunReport } from "../pipeline/run-report";
import { parseSettings, type FanoutSettings } from "../../settings/parse";
import type { AwsProfileOptions } from "../aws-profile";
import { predictDrainTime, type WriterCpuCheck } from "../../planner";
import { plannerLatencies } from "../compare/compare-stacks";
import { runWriterCpu } from "../compare/run-writer-cpu";
import { createSeedSplitter, createSeedWriter } from "./seed-baseline-functions";
import { autoTimeScale, autoTimeScales } from "../time-scale/auto-time-scale";
import type { Headroom } from "../time-scale/headroom";
import { peaksByRole, sampleProcessMemory, type RoleUsage } from "../soak/process-memory";

/**
 * `npm run bench`: the seed article's own setup against the prod stack, under the AWS profile,
 * and prod at local speed against the embedded S3's raw PutObject rate, all in one run.
 */
export interface BenchOptions {
    projectDir: string;
    records: number;
    seedRecords: number;
    recordBytes: number;
    seed: number;
    awsProfile: AwsProfileOptions;
    /** Time dilation K of the two runs under the AWS profile; default each run's automatic K (autoTimeScale). */
    timeScale?: number;
    cpuShare?: RunOptions["cpuShare"];
    /** --no-keep-cores-awake (runtime/time-scale/awake-cores.ts); default on for the dilated runs. */
    keepCoresAwake?: boolean;
    onPhase?: (phase: string) => void;
    onProgress?: RunOptions["onProgress"];
    signal?: AbortSignal;
}

export interface BenchRun {
    records: number;
    seconds: number;
    recordsPerSecond: number;
    /** Records/s into the stream: records ÷ the splitter's run time. */
    inRecordsPerSecond: number;
    /** Records/s out of it: records ÷ the time from the first record in the stream to the last one written. */
    outRecordsPerSecond: number;
    plannedRecordsPerSecond: number;
    verified: boolean;
    throttledPutEntries: number;
    /** The run's time dilation K; its seconds and rates are in AWS time. */
    timeScale: number;
    /** The K it stepped down to once the writers' cold starts were over, and when (RunReport.timeScaleSettled). */
    timeScaleSettled?: { timeScale: number; atSeconds: number };
    /** How busy the machine was from upload to drained. */
    headroom: Headroom;
    cpuShareMode?: string;
}

export interface BenchReport {
    generatedAt: string;
    machine: { cpus: number; memoryGiB: number; node: string };
    seedBaseline: BenchRun & { settings: FanoutSettings; seedArticle: { inRecordsPerSecond: 97; outRecordsPerSecond: 20 } };
    prod: BenchRun;
    speedup: number;
    embedded: BenchRun;
    rawS3PutsPerSecond: number;
    efficiency: number;
    /**
     * Where the embedded run's CPU went, from upload to drained: CPU seconds per kind of process,
     * against the machine's capacity (cores × seconds). What bounds the embedded rate.
     */
    embeddedCpu: { seconds: number; capacityCoreSeconds: number; busyCoreSeconds: number; roles: Array<Pick<RoleUsage, "role" | "processes" | "cpuSeconds">> };
    goals: { speedupAtLeast50: boolean; efficiencyAtLeast08: boolean };
    /** prod's writer CPU against the calibration's for the same invocations (when held to a CPU share). */
    prodWriterCpu?: WriterCpuCheck;
    /** False when either dilated run was CPU-bound, or prod's writers used CPU outside the calibration's band where CPU set their pace: the speedup is then this machine's, not the stacks'. */
    speedupRepresentative: boolean;
}

/** The seed's setup: 1 shard, batch 1000, parallelization 1, one constant key, one PutObject at a time. */
export function seedBaselineSettings(base: FanoutSettings): FanoutSettings {
    return parseSettings({ ...base, shardCount: 1, streamMode: "PROVISIONED", batchSize: 1000, parallelizationFactor: 1, partitionKey: "constant:test", writerConcurrency: 1, maximumBatchingWindowInSeconds: 0 }).settings;
}

function summarize(report: RunReport, planned: number): BenchRun {
    const firstInStream = report.timeline.find((point) => point.recordsInStream > 0)?.seconds ?? 0;
    const writing = Math.max(report.seconds.pipeline - firstInStream, Number.EPSILON);
    return {
        records: report.input.records,
        seconds: report.seconds.pipeline,
        recordsPerSecond: report.recordsPerSecond,
        inRecordsPerSecond: report.splitterSeconds > 0 ? report.input.records / report.splitterSeconds : 0,
        outRecordsPerSecond: report.input.records / writing,
        plannedRecordsPerSecond: planned,
        verified: report.output.verified,
        throttledPutEntries: report.awsProfile?.stats.kinesis.throttledPutEntries ?? 0,
        timeScale: report.timeScale,
        ...(report.timeScaleSettled ? { timeScaleSettled: report.timeScaleSettled } : {}),
        headroom: report.headroom,
        cpuShareMode: report.cpuShare.writer.mode,
    };
}

export async function runBench(options: BenchOptions): Promise<BenchReport> {
    const prodStack = readStackFile(options.projectDir, "prod");
    const devStack = readStackFile(options.projectDir, "dev");
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "kinesis-fanout-bench-"));
    try {
        const seedFile = path.join(scratch, "seed.jsonl");
        const mainFile = path.join(scratch, "products.jsonl");
        await writeWorkloadFile(seedFile, { records: options.seedRecords, recordBytes: options.recordBytes, seed: options.seed });
        await writeWorkloadFile(mainFile, { records: options.records, recordBytes: options.recordBytes, seed: options.seed });
        const common = { region: prodStack.region, inputName: "products.jsonl", cpuShare: options.cpuShare, keepCoresAwake: options.keepCoresAwake, onProgress: options.onProgress, signal: options.signal };
        const workload = (records: number) => ({ records, recordBytes: options.recordBytes });

        const seedSettings = seedBaselineSettings(devStack.settings);
        // Each dilated run gets the smallest K it needs: the seed's one writer needs little CPU, so it runs at K = 1.5 on 2 cores (its cold start sets it).
        // Its functions are the seed's own code, not the calibrated ones, so the calibration's floor on K does not apply (floor 1).
        const seedScale = options.timeScale ?? autoTimeScale(seedSettings, workload(options.seedRecords), undefined, undefined, 1);
        options.onPhase?.(`seedBaseline: the seed's own code and setup, ${options.seedRecords} lines, AWS profile, time scale K = ${seedScale}`);
        const seedRun = await runPipeline({ ...common, stack: "seed-baseline", settings: seedSettings, inputFile: seedFile, awsProfile: options.awsProfile, timeScale: seedScale,
            measureS3Ceiling: false, bench: { functions: { splitter: createSeedSplitter, writer: createSeedWriter } } });
        // The planner's latencies agree with the profile the runs used, as in compare.
        const latencies = plannerLatencies(options.awsProfile);
        const seedPlanned = predictDrainTime(seedSettings, workload(options.seedRecords), latencies, { recordsPerPutCall: 1 }).recordsPerSecond;

        // prod steps down to its running lanes' K once its eight cold starts are over (step-after-cold-starts.ts); the seed baseline keeps one K, as its calibration to the seed's figures was made.
        const prodScales = options.timeScale !== undefined ? { timeScale: options.timeScale } : autoTimeScales(prodStack.settings, workload(options.records));
        const prodStep = prodScales.timeScaleAfterColdStarts ? `, then ${prodScales.timeScaleAfterColdStarts.timeScale} after the cold starts` : "";
        options.onPhase?.(`prod: ${options.records} lines, AWS profile, time scale K = ${prodScales.timeScale}${prodStep}`);
        const prodRun = await runPipeline({ ...common, stack: "prod", settings: prodStack.settings, inputFile: mainFile, awsProfile: options.awsProfile, measureS3Ceiling: false, ...prodScales });
        const prodPlanned = predictDrainTime(prodStack.settings, workload(options.records), latencies).recordsPerSecond;

        options.onPhase?.(`embedded: prod, ${options.records} lines, local speed, then the raw S3 PutObject rate`);
        const sampler = sampleProcessMemory(process.pid, 250);
        const cpuBefore = process.cpuUsage();
        let roles: RoleUsage[] = [];
        const embeddedRun = await runPipeline({ ...common, stack: "prod-embedded", settings: prodStack.settings, inputFile: mainFile, measureS3Ceiling: true,
            bench: { onDrained: () => {
                const runtimeCpu = process.cpuUsage(cpuBefore);
                roles = peaksByRole(sampler.peaks()).map((role) => (role.role === "runtime" ? { ...role, cpuSeconds: (runtimeCpu.user + runtimeCpu.system) / 1e6 } : role));
            } } });
        sampler.stop();

        const seedBaseline = summarize(seedRun, seedPlanned);
        const prod = summarize(prodRun, prodPlanned);
        const embedded = summarize(embeddedRun, 0);
        const rawS3PutsPerSecond = embeddedRun.s3Ceiling!.putsPerSecond;
        const prodWriterCpu = runWriterCpu(prodRun, prodStack.settings, latencies);
        const speedup = prod.recordsPerSecond / seedBaseline.recordsPerSecond;
        const efficiency = embedded.recordsPerSecond / rawS3PutsPerSecond;
        return {
            generatedAt: new Date().toISOString(),
            machine: { cpus: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
            seedBaseline: { ...seedBaseline, settings: seedSettings, seedArticle: { inRecordsPerSecond: 97, outRecordsPerSecond: 20 } },
            prod,
            speedup,
            embedded,
            rawS3PutsPerSecond,
            efficiency,
            embeddedCpu: {
                seconds: embeddedRun.seconds.pipeline,
                capacityCoreSeconds: embeddedRun.seconds.pipeline * os.cpus().length,
                busyCoreSeconds: roles.reduce((sum, role) => sum + role.cpuSeconds, 0),
                roles: roles.map(({ role, processes, cpuSeconds }) => ({ role, processes, cpuSeconds })),
            },
            goals: { speedupAtLeast50: speedup >= 50, efficiencyAtLeast08: efficiency >= 0.8 },
            ...(prodWriterCpu ? { prodWriterCpu } : {}),
            speedupRepresentative: !seedBaseline.headroom.cpuBound && !prod.headroom.cpuBound && (prodWriterCpu?.within ?? true),
        };
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}
