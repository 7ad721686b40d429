import type { ScaledClock } from "../clock";
import type { FunctionPool } from "../lambda/function-pool";

/**
 * A run's K in two steps: one for the writers' cold starts, a smaller one after them.
 *
 * The automatic K (choose-time-scale.ts) must keep the run's busiest moment inside the machine, and
 * for a stack of many lanes that moment is the cold start: pf10's 40 lanes start their sandboxes
 * at once, each init on a full vCPU, so they want 40 cores, against 11.6 once they run. One K for
 * the whole run can serve only one of the two. At pf10's 35.5 (sized for the inits) its warm
 * second batches, forty sandboxes each resumed once every 3.55 s of wall time on two cores, used
 * 1.28 to 1.56 times the calibrated CPU; at K = 20 they used 1.09 and 1.15, but its cold first
 * batches took 1.61 and 1.91 times their planned seconds, 40 inits wanting all of the 2 cores
 * (2026-12-03, `compare -- pf10 --stacks-dir tests/fixtures/stacks --time-scale K`, each
 * invocation of the report's writerInvocations against the planner's batch seconds).
 *
 * So the run starts at the cold start's K and, once as many writer sandboxes as the planner has
 * lanes starting at once are ready (alive, their inits over; a failed init or a crashed sandbox
 * does not count) and none is still starting, the clock steps
 * down to the K of the running lanes (ScaledClock.rescale: modelled time goes on at the new rate,
 * and every sandbox's CPU share, timers and deadline follow). If fewer lanes ever start (fewer
 * records, failed inits), the run keeps the larger K: slower on the wall, never squeezed.
 */
export interface SettledTimeScale {
    /** K once the cold starts are over. */
    timeScale: number;
    /** Writer sandboxes whose inits end the cold start (the planner's lanes that start at once). */
    lanes: number;
}

/** Watches the writer pool's inits and rescales the clock once; the returned function stops watching. */
export function stepAfterColdStarts(clock: ScaledClock, writer: Pick<FunctionPool, "watchInits">, settled: SettledTimeScale): () => void {
    if (!(Number.isInteger(settled.lanes) && settled.lanes >= 1)) throw new Error(`the cold start's lanes must be a whole number of at least 1 (got ${settled.lanes})`);
    const stop = writer.watchInits(({ ready, running }) => {
        if (ready < settled.lanes || running > 0) return;
        stop();
        clock.rescale(settled.timeScale);
    });
    return stop;
}
