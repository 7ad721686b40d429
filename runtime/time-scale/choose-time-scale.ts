import { vcpuShare } from "../../planner/function-cpu";
import { writerLanes, type FanoutSettings } from "../../settings/parse";
import { initCores } from "../lambda/cpu-share";

/**
 * The automatic time scale K: the smallest one that keeps the emulated system well inside this
 * machine at its busiest. At AWS speed the system wants
 * - the sandboxes' CPU shares: every writer lane (shards × parallelization) and the splitter at
 *   memoryMb ÷ 1,769 of a core each (Lambda: 1,769 MB is one vCPU);
 * - at the cold start, more: every writer lane that gets records in the first read starts its
 *   sandbox at once, and an on-demand function's init runs on a full vCPU whatever its memory
 *   (initCores, cpu-share.ts), while the splitter keeps running at its share. For a stack of many
 *   lanes this burst is the busiest moment of the run: 40 lanes want 40 cores for one init
 *   (about 0.13 s of AWS time), against 40 × 0.29 once they run;
 * - the stand-ins' and the runtime's own CPU (kinesalite, fauxqs, the AWS profile's proxies, the
 *   event source mapping): the planned records/s × their CPU per record.
 * Under dilation by K it gets all of it K times more slowly, so it needs the busiest sum ÷ K cores.
 * K is the smallest step of 0.5 that brings that under TARGET_BUSY_FRACTION of the cores, and no
 * less than a floor: 1, or CALIBRATED_TIME_SCALE_FLOOR for a run of the project's own functions,
 * whose CPU the planner takes from a calibration at K = 6. Pure: the caller measures the cores and
 * plans the rate and the lanes.
 */
export interface TimeScaleDemand {
    /** Sandboxes' CPU shares at AWS speed while they run, in cores. */
    sandboxCores: number;
    /** Sandboxes' CPU at AWS speed while the writer lanes start at once (their inits at a full vCPU each, the splitter at its share), in cores. */
    coldStartCores: number;
    /** Stand-ins' and runtime's CPU at AWS speed, in cores. */
    runtimeCores: number;
}

/** The share of the machine's cores the automatic K aims to use at the run's busiest; the rest is for other load. */
export const TARGET_BUSY_FRACTION = 0.6;

/**
 * The share of the cores the running lanes may keep busy, all the time: less than a burst may use,
 * because every batch of the run waits in the machine's run queue, and a queue's wait grows as
 * busy ÷ (1 − busy). pf10's forty running lanes at K = 11.5 (their shares, the stand-ins and the
 * runtime at about 60% of 2 cores) took 1.17 and 1.45 times their batches' planned seconds; at
 * K = 20 (about 35%) 1.04, 1.09 and 1.15 (2026-12-03, each invocation of the report's
 * writerInvocations against the planner's batch seconds).
 */
export const SUSTAINED_BUSY_FRACTION = 0.35;

/**
 * CPU milliseconds the stand-ins and the runtime spend per record that flows through the pipeline
 * under the AWS profile, sandboxes excluded. Measured on 2026-12-02 on a 2-core Linux machine
 * (Node 22.23, loaded by other work) with the prod stack, 4,000 records of 2 KiB at K = 3: CPU
 * time of each process (/proc/<pid>/stat, process.cpuUsage() for the runtime) from the first
 * progress sample to the drain: fauxqs 0.34, kinesalite 0.31, the runtime process (mapping,
 * AWS profile proxies, sandbox IPC) 0.77; 1.4 ms a record in all. (The sandboxes, for the
 * record: writer 2.6 ms, cold starts included; splitter 0.2 ms.)
 */
export const RUNTIME_CPU_MS_PER_RECORD = 1.4;

/**
 * The least automatic K for a run of the project's writer and splitter, on any machine. The planner
 * charges their CPU as `npm run calibrate-cpu` measured it, held to its share at K = 6, and the
 * same invocations cost less CPU the lower the K: each wait between a sandbox's slices and rounds
 * lasts K times longer on the wall, and the writer's CPU per record rises with it. The dev stack's
 * one writer lane (batches of 100, 16 PutObjects in flight, 512 MB: one of the calibration's own
 * shapes, 4,000 lines) used 0.65, 0.79, 0.85 and 0.88 times the calibrated CPU at K = 1.5, 3, 4
 * and 6, and took 0.75, 0.82, 0.91 and 0.94 times its planned seconds (2026-12-03, 2 cores). At
 * K = 4 a run's CPU is within the calibration's band (0.8 to 1.25) and its wall time is two
 * thirds of K = 6's. The seed baseline's functions are the seed's own code, which the calibration
 * does not cover, so its run keeps the floor of 1.
 */
export const CALIBRATED_TIME_SCALE_FLOOR = 4;

/** `lanes`: the writer lanes that run (the planner's concurrentBatches: fewer than writerLanes when there are fewer records). */
export function sandboxCores(settings: FanoutSettings, lanes = writerLanes(settings)): number {
    return vcpuShare(lanes * settings.writerMemoryMb + settings.splitterMemoryMb);
}

/** `lanes`: the writer lanes that start at once (the planner's concurrentBatches: fewer than writerLanes when there are fewer records). */
export function coldStartCores(settings: FanoutSettings, lanes = writerLanes(settings)): number {
    return lanes * initCores(settings.writerMemoryMb) + vcpuShare(settings.splitterMemoryMb);
}

export function demandOf(settings: FanoutSettings, planned: { recordsPerSecond: number; concurrentBatches?: number }, cpuMsPerRecord = RUNTIME_CPU_MS_PER_RECORD): TimeScaleDemand {
    return {
        sandboxCores: sandboxCores(settings, planned.concurrentBatches),
        coldStartCores: coldStartCores(settings, planned.concurrentBatches),
        runtimeCores: (planned.recordsPerSecond * cpuMsPerRecord) / 1000,
    };
}

/** Cores the emulated system wants at its busiest, at AWS speed. */
export function busiestCores(demand: TimeScaleDemand): number {
    return Math.max(demand.sandboxCores, demand.coldStartCores) + demand.runtimeCores;
}

export function chooseTimeScale(demand: TimeScaleDemand, availableCores: number, target = TARGET_BUSY_FRACTION, floor = 1): number {
    if (!(availableCores > 0)) throw new Error(`available cores must be more than 0 (got ${availableCores})`);
    if (!(target > 0 && target <= 1)) throw new Error(`the target busy fraction must be in (0, 1] (got ${target})`);
    if (!(floor >= 1)) throw new Error(`the least time scale must be at least 1 (got ${floor})`);
    const exact = busiestCores(demand) / (target * availableCores);
    return Math.max(floor, Math.ceil(exact * 2) / 2);
}
