import { checkWriterCpu, loadMeasuredCpu, type Latencies, type WriterCpuCheck } from "../../planner";
import type { FanoutSettings } from "../../settings/parse";
import type { RunReport } from "../pipeline/run-report";

/**
 * A run's writer CPU against the calibration (planner/measured-cpu.json) for the same invocations,
 * for compare and bench alike; undefined for a run not held to a CPU share, whose sandboxes ran at
 * this machine's speed and have no calibrated figure to meet.
 */
export function runWriterCpu(run: RunReport, settings: FanoutSettings, latencies: Latencies): WriterCpuCheck | undefined {
    return run.cpuShare.writer.mode === "off" ? undefined : checkWriterCpu(loadMeasuredCpu().writer, run.cpuShare.writer, settings, latencies);
}
