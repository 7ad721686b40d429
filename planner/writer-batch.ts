import { cpuSeconds, vcpuShare, type FunctionCpu } from "./function-cpu";
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

/**
 * Seconds of CPU a batch takes with its wake-ups: busy seconds b of its own, and w more if every
 * round found it idle. The rounds that do are the share of its I/O time io it spends idle, 1 − T / io,
 * so T = b + w × (1 − T / io), that is T = (b + w) × io / (io + w): never more than io while b is
 * less (its wake-ups fill idle time), and b with no wake-ups once b is io or more (CPU-bound).
 */
export function cpuWithWakeUps(busy: number, wakeUps: number, io: number): number {
    if (busy >= io || wakeUps <= 0) return busy;
    return ((busy + wakeUps) * io) / (io + wakeUps);
}

/** Seconds of a warm batch's CPU at the share of `memoryMb`: its invocation and records, and the wake-ups of the rounds that find it idle. */
export function batchCpuSeconds(cpu: FunctionCpu, records: number, memoryMb: number, writerConcurrency: number, latencies: Latencies): number {
    const wakeUps = (batchRounds(records, writerConcurrency) * cpu.msPerWait) / 1000 / vcpuShare(memoryMb);
    return cpuWithWakeUps(cpuSeconds(cpu, records, memoryMb), wakeUps, batchIoSeconds(records, writerConcurrency, latencies));
}
