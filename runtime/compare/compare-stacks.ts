import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readStackFile, type StackFile } from "../stack/read-stack-file";
import { writeWorkloadFile, type WorkloadOptions } from "../workload/seed-workload";
import { runPipeline } from "../pipeline/run-pipeline";
import type { RunReport } from "../pipeline/run-report";
import { SEED_CALIBRATION, type AwsProfileOptions } from "../aws-profile";
import type { FaultOptions } from "../faults/fault-options";
import { writePoisonedWorkloadFile } from "../faults/poison-lines";
import { autoTimeScales, type AutomaticTimeScales } from "../time-scale/auto-time-scale";
import { estimateMonthlyCost, loadPrices, predictDrainTime, SEED_LATENCIES, type CostEstimate, type DrainPrediction, type Latencies, type WriterCpuCheck } from "../../planner";
import { runWriterCpu } from "./run-writer-cpu";
import { medianRunIndex, runOrder, type RunOfStack } from "./repeated-runs";

/**
 * `npm run compare`: the same generated input through each named stack's settings, one stack
 * after another in one run, under the AWS profile by default, with the planner's predictions for
 * AWS beside each measured run.
 */
export interface CompareOptions {
    projectDir: string;
    /** Folder of the `Pulumi.<stack>.yaml` files; default projectDir. */
    stackDir?: string;
    stacks: string[];
    /** Time dilation K for every stack's whole run; default each stack's automatic ones (autoTimeScales: the cold start's, then the running lanes') under the AWS profile, 1 at local speed. */
    timeScale?: number;
    /** Runs of each stack, interleaved (repeated-runs.ts); each row shows the median run. Default 1. */
    repeat?: number;
    workload: WorkloadOptions;
    /** AWS's limits and latencies in front of the stand-ins; undefined runs at local speed. */
    awsProfile?: AwsProfileOptions;
    cpuShare?: Parameters<typeof runPipeline>[0]["cpuShare"];
    /** --no-keep-cores-awake (runtime/time-scale/awake-cores.ts); default on under the AWS profile. */
    keepCoresAwake?: boolean;
    /** Faults injected into every stack's run alike (issue 5's flags). */
    faults?: FaultOptions;
    /** The volume the monthly cost is planned for. */
    recordsPerDay: number;
    /** Before each run: the stack, its index, and the round (0 first; there are `repeat` rounds). */
    onStackStart?: (stack: string, index: number, round: number) => void;
    onProgress?: Parameters<typeof runPipeline>[0]["onProgress"];
    signal?: AbortSignal;
}

export interface StackComparison {
    stack: string;
    region: string;
    settings: StackFile["settings"];
    warnings: string[];
    /** The stack's run's time scale K (run.timeScale): its own automatic one unless --time-scale set one for all. */
    timeScale: number;
    /** The run the row shows: the one with the median seconds of the stack's runs (all of them in `runs`). */
    run: RunReport;
    /** Every run of the stack, in the order they ran (one unless --repeat asked for more). */
    runs: RunOfStack[];
    /**
     * False when the machine was CPU-bound during the run (run.headroom), or when the writer's
     * sandboxes, held to their CPU share, used more or less CPU than the calibration says for the
     * same invocations (writerCpu): its measured figures are the machine's, not the stack's.
     */
    representative: boolean;
    /** The writer's measured CPU against the calibration's for the same invocations; only for runs held to a CPU share. */
    writerCpu?: WriterCpuCheck;
    prediction: DrainPrediction;
    cost: CostEstimate & { region: string; pricesRetrieved: string };
}

export interface Comparison {
    generatedAt: string;
    workload: WorkloadOptions;
    awsProfile: boolean;
    /** Whether each stack's K was chosen automatically (its own), or set for all with --time-scale. The runs' figures are in AWS time either way. */
    timeScaleAutomatic: boolean;
    /** Runs of each stack (--repeat). */
    repeat: number;
    faults?: FaultOptions;
    recordsPerDay: number;
    stacks: StackComparison[];
}

/**
 * The planner's latencies, made to agree with the profile the run used. The profile's figures are
 * delays the proxy adds; the planner's are calls as the function sees them, which also take the
 * SDK's own time: the difference between the two defaults.
 */
export function plannerLatencies(profile: AwsProfileOptions | undefined): Latencies {
    const putSdkMs = SEED_LATENCIES.putRecordsCallMs - SEED_CALIBRATION.putRecordsLatencyMs;
    const s3SdkMs = SEED_LATENCIES.s3PutObjectMs - SEED_CALIBRATION.s3PutObjectLatencyMs;
    return {
        ...SEED_LATENCIES,
        ...(profile?.putRecordsLatencyMs !== undefined ? { putRecordsCallMs: profile.putRecordsLatencyMs + putSdkMs } : {}),
        ...(profile?.s3PutObjectLatencyMs !== undefined ? { s3PutObjectMs: profile.s3PutObjectLatencyMs + s3SdkMs } : {}),
        ...(profile?.getRecordsLatencyMs !== undefined ? { getRecordsMs: profile.getRecordsLatencyMs[1] } : {}),
    };
}

/** One run of a stack, with its writer CPU check and the summary `--repeat` keeps of it. */
interface StackRun {
    run: RunReport;
    writerCpu?: WriterCpuCheck;
    summary: RunOfStack;
}

export async function compareStacks(options: CompareOptions): Promise<Comparison> {
    if (options.stacks.length === 0) throw new Error("name at least one stack to compare, e.g. npm run compare -- dev prod");
    // Read (and validate) every stack before running any, so a typo fails at once.
    const stacks = options.stacks.map((stack) => readStackFile(options.stackDir ?? options.projectDir, stack));
    const latencies = plannerLatencies(options.awsProfile);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "kinesis-fanout-compare-"));
    try {
        const inputFile = path.join(scratch, "products.jsonl");
        if (options.faults?.poison) await writePoisonedWorkloadFile(inputFile, { ...options.workload, poison: options.faults.poison });
        else await writeWorkloadFile(inputFile, options.workload);
        const repeat = options.repeat ?? 1;
        const runsOf = stacks.map(() => [] as StackRun[]);
        for (const [round, index] of runOrder(stacks.length, repeat)) {
            options.onStackStart?.(stacks[index].stack, index, round);
            runsOf[index].push(await runStack(stacks[index], round, inputFile, latencies, options));
        }
        const results = stacks.map((stack, index) => stackComparison(stack, runsOf[index], latencies, options));
        return {
            generatedAt: new Date().toISOString(),
            workload: options.workload,
            awsProfile: options.awsProfile !== undefined,
            timeScaleAutomatic: options.timeScale === undefined,
            repeat,
            faults: options.faults,
            recordsPerDay: options.recordsPerDay,
            stacks: results,
        };
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

/** A stack's run on the comparison's input, at its own K (K sets the wall time, not the AWS seconds) unless one is given for all. */
async function runStack(stack: StackFile, round: number, inputFile: string, latencies: Latencies, options: CompareOptions): Promise<StackRun> {
    const timeScales: AutomaticTimeScales =
        options.timeScale !== undefined ? { timeScale: options.timeScale } : options.awsProfile ? autoTimeScales(stack.settings, options.workload, latencies) : { timeScale: 1 };
    const run = await runPipeline({
        stack: stack.stack,
        settings: stack.settings,
        region: stack.region,
        inputFile,
        inputName: "products.jsonl",
        awsProfile: options.awsProfile,
        cpuShare: options.cpuShare,
        keepCoresAwake: options.keepCoresAwake,
        faults: options.faults,
        measureS3Ceiling: false,
        ...timeScales,
        onProgress: options.onProgress,
        signal: options.signal,
    });
    const writerCpu = runWriterCpu(run, stack.settings, latencies);
    const summary: RunOfStack = {
        round,
        seconds: run.seconds.pipeline,
        recordsPerSecond: run.recordsPerSecond,
        timeScale: run.timeScale,
        busyFraction: run.headroom.busyFraction,
        ...(writerCpu ? { writerCpuRatio: writerCpu.paceRatio ?? writerCpu.ratio } : {}),
        representative: !run.headroom.cpuBound && (writerCpu?.within ?? true),
        pollPhase: run.mapping.pollPhase,
    };
    return { run, writerCpu, summary };
}

/** A stack's column: its median run, every run's summary, and the planner's time and cost for AWS. */
function stackComparison(stack: StackFile, runs: StackRun[], latencies: Latencies, options: CompareOptions): StackComparison {
    const { run, writerCpu, summary } = runs[medianRunIndex(runs.map((each) => each.summary.seconds))];
    const prices = loadPrices(stack.region);
    const { records, recordBytes } = options.workload;
    return {
        stack: stack.stack,
        region: stack.region,
        settings: stack.settings,
        warnings: stack.warnings,
        timeScale: run.timeScale,
        run,
        runs: runs.map((each) => each.summary),
        representative: summary.representative,
        ...(writerCpu ? { writerCpu } : {}),
        prediction: predictDrainTime(stack.settings, { records, recordBytes }, latencies),
        cost: {
            ...estimateMonthlyCost(stack.settings, { recordsPerDay: options.recordsPerDay, recordBytes }, prices, latencies, { recordsPerFile: records }),
            region: stack.region,
            pricesRetrieved: prices.retrieved,
        },
    };
}
