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
     * Milliseconds of CPU a new sandbox's first invocation spends beyond what it would cost warm,
     * whatever its records: the first use of the handler's clients and connections, and V8's first
     * compiles of their code. Fitted beside msWarmUp since 2026-12-03, when pf10's cold first
     * batches of 50 records used 1.56 times what a warm-up spread over records alone charged them,
     * while a lone lane's first batches of 100 stayed near it: that calibration (07:28) put 62 ms
     * here and 516 ms in the curve over 653 records, so most of the warm-up still goes by records.
     */
    msFirstInvocation: number;
    /**
     * Milliseconds of CPU a new sandbox spends over its first invocations beyond what they would
     * cost warm, apart from msFirstInvocation, while V8 compiles and optimises the handler and the
     * SDK: a sandbox's first r records cost msWarmUp × (1 − e^(−r / warmUpRecords)) more than warm.
     */
    msWarmUp: number;
    /** Records over which the warm-up decays (its time constant, fitted by calibrate-cpu): 63% of it is spent by then, 95% by three times as many. */
    warmUpRecords: number;
    /**
     * Milliseconds of CPU per round of calls, held to its share: the writer's round of
     * `writerConcurrency` PutObjects (a batch of b records makes ceil(b / writerConcurrency)), the
     * splitter's put call. Each round sends its calls, waits for their answers and handles them; the
     * CPU of a round beyond its records' own is fitted from three shapes that differ in records and
     * rounds, all held to their share at the same time scale as compare's runs (calibrate-cpu). On
     * 2026-12-03 (07:28) a round cost 4.6 ms: a warm batch of 100 with 4 PutObjects in flight (25
     * rounds) 269 ms of CPU, with 16 in flight (7 rounds) 185 ms (5.9 ms on 2026-12-02). Measured with no share, as a
     * wake-up from idle, a round had cost about 1.7 ms (16:25, on another machine of the same kind).
     */
    msPerRound: number;
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
    writer: { msInit: 0, msPerInvocation: 0, msPerRecord: 0, msFirstInvocation: 0, msWarmUp: 0, warmUpRecords: 1, msPerRound: 0 },
    splitter: { msInit: 0, msPerInvocation: 0, msPerRecord: 0, msFirstInvocation: 0, msWarmUp: 0, warmUpRecords: 1, msPerRound: 0 },
};

export function loadMeasuredCpu(file = MEASURED_CPU_FILE): MeasuredCpu {
    const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as MeasuredCpu;
    for (const fn of ["writer", "splitter"] as const) {
        for (const key of ["msInit", "msPerInvocation", "msPerRecord", "msFirstInvocation", "msWarmUp", "msPerRound"] as const) {
            const value = parsed[fn]?.[key];
            if (!(typeof value === "number" && Number.isFinite(value) && value >= 0)) {
                throw new Error(`${file}: ${fn}.${key} must be a number of milliseconds, 0 or more (got ${String(value)}); run npm run calibrate-cpu`);
            }
        }
        const decay = parsed[fn]?.warmUpRecords;
        if (!(typeof decay === "number" && Number.isFinite(decay) && decay > 0)) {
            throw new Error(`${file}: ${fn}.warmUpRecords must be a number of records, more than 0 (got ${String(decay)}); run npm run calibrate-cpu`);
        }
    }
    return parsed;
}

/** vCPUs of a function with this much memory. */
export function vcpuShare(memoryMb: number): number {
    return memoryMb / AWS_LIMITS.lambda.memoryMbPerVcpu;
}

/**
 * Milliseconds of warm-up CPU a sandbox spends on its first `records` records: none before any,
 * then msFirstInvocation + msWarmUp × (1 − e^(−records / warmUpRecords)). A batch's share is the
 * difference at its two ends, so the first invocation (from 0) carries msFirstInvocation.
 */
export function warmUpCpuMs(cpu: FunctionCpu, records: number): number {
    if (!(records > 0)) return 0;
    return cpu.msFirstInvocation + cpu.msWarmUp * (1 - Math.exp(-records / cpu.warmUpRecords));
}

/**
 * Seconds of a sandbox's time that V8's warm-up adds to the records from its `from`th to its
 * `to`th, at its memory's share (most of it lands on the first few hundred).
 */
export function warmUpCpuSeconds(cpu: FunctionCpu, memoryMb: number, from: number, to: number): number {
    return (warmUpCpuMs(cpu, to) - warmUpCpuMs(cpu, from)) / 1000 / vcpuShare(memoryMb);
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
 * Seconds of a function's time that one warm invocation needs for CPU alone, at its memory's share:
 * `records` records in `rounds` rounds of calls.
 */
export function cpuSeconds(cpu: FunctionCpu, records: number, memoryMb: number, options: { rounds?: number } = {}): number {
    return (cpu.msPerInvocation + records * cpu.msPerRecord + (options.rounds ?? 0) * cpu.msPerRound) / 1000 / vcpuShare(memoryMb);
}
