import { cpuSeconds, type FunctionCpu } from "./function-cpu";
import type { Latencies } from "./latencies";

/**
 * One writer batch on AWS, warm: the seconds its PutObjects keep it waiting, and the seconds of its
 * CPU at its memory's share. The drain model, the run's CPU check and the calibration all use these.
 */

/** Rounds of `writerConcurrency` PutObjects a batch of `records` makes. */
export function batchRounds(records: number, writerConcurrency: number): number {
    return Math.ceil(records / writerConcurrency);
}

/** Seconds of I/O: the invoke overhead, then a PutObject's latency for each round. */
export function batchIoSeconds(records: number, writerConcurrency: number, latencies: Latencies): number {
    return (latencies.invokeOverheadMs + batchRounds(records, writerConcurrency) * latencies.s3PutObjectMs) / 1000;
}

/** Seconds of a warm batch's CPU at the share of `memoryMb`: its invocation, its records and its rounds of PutObjects. */
export function batchCpuSeconds(cpu: FunctionCpu, records: number, memoryMb: number, writerConcurrency: number): number {
    return cpuSeconds(cpu, records, memoryMb, { rounds: batchRounds(records, writerConcurrency) });
}
