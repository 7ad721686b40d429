import type { FanoutSettings } from "../../settings/parse";
import { predictDrainTime, type Latencies } from "../../planner";
import { CALIBRATED_TIME_SCALE_FLOOR, chooseTimeScale, demandOf, SUSTAINED_BUSY_FRACTION, TARGET_BUSY_FRACTION } from "./choose-time-scale";
import { availableCores } from "./machine-cpu";
import type { SettledTimeScale } from "./step-after-cold-starts";

/**
 * The automatic time scales for a run of this stack on this machine (chooseTimeScale): the planner
 * gives the rate and how many writer lanes start at once. Each stack gets its own: K changes how
 * long a run takes on the wall, not the AWS seconds it reports, so a light stack need not wait at
 * the K a heavy one needs. It is never below CALIBRATED_TIME_SCALE_FLOOR (the K at which the
 * functions' CPU matches the planner's calibration) unless `floor` says otherwise: the seed
 * baseline's run of the seed's own code passes 1.
 *
 * Two loads set it: the busiest moment, the writers' cold starts included, a burst held under
 * TARGET_BUSY_FRACTION of the cores; and the running lanes, a load the run keeps up, held under
 * SUSTAINED_BUSY_FRACTION. `timeScale` is the larger of the two Ks; where the running lanes need
 * less, `timeScaleAfterColdStarts` is theirs, and the run steps down to it when the cold starts are
 * over (step-after-cold-starts.ts).
 */
export interface AutomaticTimeScales {
    timeScale: number;
    timeScaleAfterColdStarts?: SettledTimeScale;
}

export function autoTimeScales(
    settings: FanoutSettings,
    workload: { records: number; recordBytes: number },
    latencies?: Latencies,
    cores = availableCores(),
    floor = CALIBRATED_TIME_SCALE_FLOOR,
): AutomaticTimeScales {
    const planned = predictDrainTime(settings, workload, latencies);
    const demand = demandOf(settings, planned);
    const running = chooseTimeScale({ ...demand, coldStartCores: 0 }, cores, SUSTAINED_BUSY_FRACTION, floor);
    const timeScale = Math.max(running, chooseTimeScale(demand, cores, TARGET_BUSY_FRACTION, floor));
    return running < timeScale ? { timeScale, timeScaleAfterColdStarts: { timeScale: running, lanes: planned.concurrentBatches } } : { timeScale };
}

/** The K a run starts at (autoTimeScales' first). */
export function autoTimeScale(...args: Parameters<typeof autoTimeScales>): number {
    return autoTimeScales(...args).timeScale;
}
