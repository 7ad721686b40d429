import type { FanoutSettings } from "../../settings/parse";
import { predictDrainTime, type Latencies } from "../../planner";
import { chooseTimeScale, demandOf } from "./choose-time-scale";
import { availableCores } from "./machine-cpu";

/**
 * The automatic time scale for a run of this stack on this machine (chooseTimeScale): the planner
 * gives the rate and how many writer lanes start at once. Each stack gets its own: K changes how
 * long a run takes on the wall, not the AWS seconds it reports, so a light stack need not wait at
 * the K a heavy one needs.
 */
export function autoTimeScale(settings: FanoutSettings, workload: { records: number; recordBytes: number }, latencies?: Latencies, cores = availableCores()): number {
    return chooseTimeScale(demandOf(settings, predictDrainTime(settings, workload, latencies)), cores);
}
