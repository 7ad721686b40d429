import type { FanoutSettings } from "../../settings/parse";
import { predictDrainTime, type Latencies } from "../../planner";
import { CALIBRATED_TIME_SCALE_FLOOR, chooseTimeScale, demandOf, TARGET_BUSY_FRACTION } from "./choose-time-scale";
import { availableCores } from "./machine-cpu";

/**
 * The automatic time scale for a run of this stack on this machine (chooseTimeScale): the planner
 * gives the rate and how many writer lanes start at once. Each stack gets its own: K changes how
 * long a run takes on the wall, not the AWS seconds it reports, so a light stack need not wait at
 * the K a heavy one needs. It is never below CALIBRATED_TIME_SCALE_FLOOR (the K at which the
 * functions' CPU matches the planner's calibration) unless `floor` says otherwise: the seed
 * baseline's run of the seed's own code passes 1.
 */
export function autoTimeScale(
    settings: FanoutSettings,
    workload: { records: number; recordBytes: number },
    latencies?: Latencies,
    cores = availableCores(),
    floor = CALIBRATED_TIME_SCALE_FLOOR,
): number {
    return chooseTimeScale(demandOf(settings, predictDrainTime(settings, workload, latencies)), cores, TARGET_BUSY_FRACTION, floor);
}
