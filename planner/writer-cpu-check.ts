import type { FanoutSettings } from "../settings/parse";
import { vcpuShare, warmUpCpuMs, type FunctionCpu } from "./function-cpu";
import { batchCpuSeconds, batchIoSeconds } from "./writer-batch";
import type { Latencies } from "./latencies";

/**
 * What the calibration (planner/measured-cpu.json) says a run's writer invocations should have cost,
 * against what the run's sandboxes measured. The planner's seconds rest on the calibration; a run
 * whose sandboxes used much more or less CPU for the same invocations was slowed or sped up by this
 * machine (other processes sharing its cores, its CPU's drift since the calibration), not by the
 * stack, and its seconds are not the stack's.
 */

/** A run's writer CPU by invocation ordinal within a sandbox (the function pool's CpuShareStats). */
export interface CpuByOrdinal {
    cpuMsByOrdinal: number[];
    invocationsByOrdinal: number[];
    recordsByOrdinal: number[];
}

export interface WriterCpuCheck {
    measuredMs: number;
    calibratedMs: number;
    /** measuredMs ÷ calibratedMs. */
    ratio: number;
    /** Whether, for some invocation ordinal, the measured CPU at the writer's share took more than WRITER_BUSY_BOUND of its PutObjects' time: then it set the run's pace. */
    cpuBound: boolean;
    /**
     * Measured ÷ calibrated CPU where it set the pace, for a sandbox's first invocations (cold) and for
     * its later ones (warm) apart, each over its CPU-bound ordinals: the one further from 1, undefined
     * where no ordinal was CPU-bound. Cold and warm are held to the band apart because a run's mean can
     * sit inside it while its cold starts do not: pf10 at K = 10 used 1.16 times the calibrated CPU in
     * all, 1.64 times in its 40 cold first batches and 0.86 times in its second ones (2026-12-02), and
     * took 1.33 times its planned seconds.
     */
    paceRatio?: number;
    /** Whether the run stands for the stack: no ordinal's CPU set its pace, or those that did stayed inside WRITER_CPU_BAND (paceRatio). */
    within: boolean;
}

/** Measured ÷ calibrated CPU a run may be off by and still stand for the stack: the band the planner's seconds are held to. */
export const WRITER_CPU_BAND = { low: 0.8, high: 1.25 } as const;

/**
 * The share of its PutObjects' time a writer's CPU (at its share) may fill before the CPU sets its
 * pace. A writer busy a fraction ρ of the time makes each answer wait about ρ ÷ (1 − ρ) of a round
 * of handling for it (a single server's queue), so past 85% the answers queue up even though the
 * CPU alone would fit: the line the machine's own headroom is held to (CPU_BOUND_FRACTION). pf10's
 * 40 cold writers used 1.49 times the calibrated CPU in their first batches, 0.83 s at their share
 * against 0.93 s of PutObjects (89%), and the run took 1.35 times its planned seconds.
 */
export const WRITER_BUSY_BOUND = 0.85;

/**
 * The calibrated CPU of the invocations a run made, ordinal by ordinal: per invocation, per record and
 * per round of PutObjects, and V8's warm-up for the sandbox's records so far (its mean sandbox's), as
 * the planner charges them (batchCpuSeconds, warmUpCpuMs).
 */
export function calibratedWriterCpuMs(cpu: FunctionCpu, run: Omit<CpuByOrdinal, "cpuMsByOrdinal">, settings: FanoutSettings): number {
    return calibratedCpuMsByOrdinal(cpu, run, settings).reduce((total, value) => total + value, 0);
}

/** calibratedWriterCpuMs, ordinal by ordinal (all of the ordinal's invocations). */
export function calibratedCpuMsByOrdinal(cpu: FunctionCpu, run: Omit<CpuByOrdinal, "cpuMsByOrdinal">, settings: FanoutSettings): number[] {
    let recordsBefore = 0;
    return run.invocationsByOrdinal.map((invocations, i) => {
        if (invocations === 0) return 0;
        const records = run.recordsByOrdinal[i] / invocations;
        const cpuMs = batchCpuSeconds(cpu, records, settings.writerMemoryMb, settings.writerConcurrency) * vcpuShare(settings.writerMemoryMb) * 1000;
        const warmUpMs = warmUpCpuMs(cpu, recordsBefore + records) - warmUpCpuMs(cpu, recordsBefore);
        recordsBefore += records;
        return invocations * (cpuMs + warmUpMs);
    });
}

export function checkWriterCpu(cpu: FunctionCpu, run: CpuByOrdinal, settings: FanoutSettings, latencies: Latencies): WriterCpuCheck {
    const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
    const calibratedByOrdinal = calibratedCpuMsByOrdinal(cpu, run, settings);
    const measuredMs = sum(run.cpuMsByOrdinal);
    const calibratedMs = sum(calibratedByOrdinal);
    const ratio = calibratedMs > 0 ? measuredMs / calibratedMs : 1;
    // CPU set the pace where a sandbox's n-th invocations at its share were busy for more than WRITER_BUSY_BOUND
    // of their PutObjects' time (a cold sandbox's first batches often are, while V8 warms up, even when later ones wait on S3).
    const bound = run.invocationsByOrdinal.map((invocations, i) => {
        if (invocations === 0) return false;
        const ioSeconds = batchIoSeconds(run.recordsByOrdinal[i] / invocations, settings.writerConcurrency, latencies);
        return run.cpuMsByOrdinal[i] / 1000 / invocations / vcpuShare(settings.writerMemoryMb) > WRITER_BUSY_BOUND * ioSeconds;
    });
    const cpuBound = bound.some(Boolean);
    if (!cpuBound) return { measuredMs, calibratedMs, ratio, cpuBound, within: true };
    const ratioOver = (ordinals: number[]) => {
        const calibrated = sum(ordinals.map((i) => calibratedByOrdinal[i]));
        return calibrated > 0 ? sum(ordinals.map((i) => run.cpuMsByOrdinal[i])) / calibrated : undefined;
    };
    const boundOrdinals = bound.flatMap((isBound, i) => (isBound ? [i] : []));
    const regimes = [ratioOver(boundOrdinals.filter((i) => i === 0)), ratioOver(boundOrdinals.filter((i) => i > 0))].filter((value): value is number => value !== undefined);
    const paceRatio = regimes.length ? regimes.reduce((worst, value) => (Math.abs(Math.log(value)) > Math.abs(Math.log(worst)) ? value : worst)) : ratio;
    return { measuredMs, calibratedMs, ratio, cpuBound, paceRatio, within: paceRatio >= WRITER_CPU_BAND.low && paceRatio <= WRITER_CPU_BAND.high };
}
