import { FaultDice } from "./random";

/**
 * `--crash-rate P`: a fraction P of the writer's invocations have their sandbox killed (SIGKILL)
 * at a random point within the function's typical run time, so most die in the middle of a batch:
 * some objects written, the rest not, and no response. Lambda reports such an invocation as
 * Runtime.ExitError; the event source mapping retries or bisects the batch. An invocation that
 * finishes before its moment comes is not killed, so the crashes that happen (FunctionPool's
 * `stats().crashes`) are somewhat fewer than the ones planned. SandboxCrashes carries the plan out.
 */
export class CrashPlan {
    private readonly dice: FaultDice;
    planned = 0;

    constructor(rate: number, seed: number) {
        this.dice = new FaultDice(rate, seed, 3);
    }

    /** Milliseconds into this invocation to kill its sandbox at, or undefined to let it run. */
    crashDelayMs(typicalDurationMs: number): number | undefined {
        if (!this.dice.roll()) return undefined;
        this.planned++;
        return Math.max(1, Math.round(this.dice.next() * typicalDurationMs));
    }
}
