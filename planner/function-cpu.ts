import { AWS_LIMITS } from "../settings/aws-limits";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The functions' own CPU, measured by the runtime on a real machine (`npm run calibrate-cpu`
 * rewrites planner/measured-cpu.json), and what it costs at Lambda's CPU share: a function with
 * memoryMb gets memoryMb / 1,769 of a vCPU (Lambda docs, "Configure Lambda function memory"), so
 * c ms of CPU take c / share ms of its time.
 */

export const MEASURED_CPU_FILE = path.join(__dirname, "measured-cpu.json");

export interface FunctionCpu {
    /** Milliseconds of CPU of a cold start's init (the runtime's start and the module's load), on a full vCPU. */
    msInit: number;
    /** Milliseconds of CPU per invocation, apart from its records. */
    msPerInvocation: number;
    /** Milliseconds of CPU per record once the sandbox is warm. */
    msPerRecord: number;
    /**
     * Milliseconds of CPU a new sandbox spends over its first invocations beyond what they would
     * cost warm, while V8 compiles and optimises the handler and the SDK: it is spread over about
     * the first thousand records, not only the cold start's invocation.
     */
    msWarmUp: number;
    /**
     * Milliseconds of CPU each time the function waits on its calls and wakes up again: the writer's
     * round of `writerConcurrency` PutObjects, the splitter's put call. Measured here, a writer batch
     * of 100 took 90 ms of CPU with 50 PutObjects in flight (2 rounds) and 179 ms with 4 (25 rounds).
     */
    msPerWait: number;
}

export interface MeasuredCpu {
    /** When and where it was measured: the figures are this machine's, not AWS's. */
    measuredAt: string;
    machine: { cpuModel: string; cores: number; node: string };
    method: string;
    writer: FunctionCpu;
    splitter: FunctionCpu;
}

/** No CPU at all: the model as it was before CPU was measured (I/O only). */
export const NO_CPU: MeasuredCpu = {
    measuredAt: "never",
    machine: { cpuModel: "none", cores: 0, node: "none" },
    method: "none: CPU left out",
    writer: { msInit: 0, msPerInvocation: 0, msPerRecord: 0, msWarmUp: 0, msPerWait: 0 },
    splitter: { msInit: 0, msPerInvocation: 0, msPerRecord: 0, msWarmUp: 0, msPerWait: 0 },
};

export function loadMeasuredCpu(file = MEASURED_CPU_FILE): MeasuredCpu {
    const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as MeasuredCpu;
    for (const fn of ["writer", "splitter"] as const) {
        for (const key of ["msInit", "msPerInvocation", "msPerRecord", "msWarmUp", "msPerWait"] as const) {
            const value = parsed[fn]?.[key];
            if (!(typeof value === "number" && Number.isFinite(value) && value >= 0)) {
                throw new Error(`${file}: ${fn}.${key} must be a number of milliseconds, 0 or more (got ${String(value)}); run npm run calibrate-cpu`);
            }
        }
    }
    return parsed;
}

/** vCPUs of a function with this much memory. */
export function vcpuShare(memoryMb: number): number {
    return memoryMb / AWS_LIMITS.lambda.memoryMbPerVcpu;
}

/**
 * The records over which msWarmUp is measured (`npm run calibrate-cpu`: a sandbox's invocations
 * before its 1,500th record, against the same batches warm). Its CPU per invocation is still
 * falling over them: 300 to 400 ms for its first batch of 100, 120 to 250 ms by the 12th.
 */
export const WARM_UP_RECORDS = 1500;

/**
 * Seconds of a new sandbox's time that V8's warm-up adds to its first invocations, at its memory's
 * share: msWarmUp for a sandbox that runs WARM_UP_RECORDS records or more, that part of it for one
 * that runs fewer (`records`), as the warm-up is spread over them.
 */
export function warmUpCpuSeconds(cpu: FunctionCpu, memoryMb: number, records = WARM_UP_RECORDS): number {
    return (cpu.msWarmUp * Math.min(1, records / WARM_UP_RECORDS)) / 1000 / vcpuShare(memoryMb);
}

/**
 * Seconds a cold start's init takes: on demand, init runs on a full vCPU ("On-demand Lambda
 * functions use a full vCPU (non-throttled) but is limited to 10 seconds during its
 * initialization phase", Serverless Land, "Effectively running Java on Serverless"), or the
 * memory share when that is more.
 */
export function initSeconds(cpu: FunctionCpu, memoryMb: number): number {
    return cpu.msInit / 1000 / Math.max(1, vcpuShare(memoryMb));
}

/**
 * Seconds of a function's time that one warm invocation needs for CPU alone: `records` records,
 * and `waits` times it waits on its calls and wakes up again.
 */
export function cpuSeconds(cpu: FunctionCpu, records: number, memoryMb: number, options: { waits?: number } = {}): number {
    return (cpu.msPerInvocation + records * cpu.msPerRecord + (options.waits ?? 0) * cpu.msPerWait) / 1000 / vcpuShare(memoryMb);
}
