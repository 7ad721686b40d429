import type { FanoutSettings } from "../../settings/parse";
import { predictDrainTime, type Latencies } from "../../planner";
import { chooseTimeScale, demandOf } from "./choose-time-scale";
import { availableCores } from "./machine-cpu";

/**
 * The automatic time scale for runs of these stacks on this machine: the largest K any of them
 * needs (chooseTimeScale), so one K serves a whole comparison. The rate comes from the planner.
 */
export function autoTimeScale(stacks: FanoutSettings[], workload: { records: number; recordBytes: number }, latencies?: Latencies, cores = availableCores()): number {
    return Math.max(1, ...stacks.map((settings) => chooseTimeScale(demandOf(settings, predictDrainTime(settings, workload, latencies).recordsPerSecond), cores)));
}
