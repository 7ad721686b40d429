import { realClock, type Clock } from "../clock";
import type { InvocationFaults } from "../lambda/function-pool";
import type { CrashPlan } from "./crash-plan";

/**
 * The function pool's plug-in for `--crash-rate`: kills an invocation's sandbox at the moment its
 * CrashPlan picks, within the function's typical run time. The typical run time is a moving
 * average of the successful invocations' durations, kept here because only crashes need it.
 */
export class SandboxCrashes implements InvocationFaults {
    /** Where crashes are aimed before any invocation has finished. */
    private typicalDurationMs = 100;

    constructor(
        private readonly plan: CrashPlan,
        private readonly clock: Clock = realClock,
    ) {}

    /** Crashes planned so far; some invocations finish before their moment comes. */
    get planned(): number {
        return this.plan.planned;
    }

    begin(kill: () => void): (outcome: { ok: boolean }) => void {
        const begun = this.clock.now();
        const delayMs = this.plan.crashDelayMs(this.typicalDurationMs);
        const crash = delayMs === undefined ? undefined : this.clock.setTimeout(kill, delayMs);
        return (outcome) => {
            crash?.cancel();
            if (outcome.ok) this.typicalDurationMs = 0.8 * this.typicalDurationMs + 0.2 * (this.clock.now() - begun);
        };
    }
}
