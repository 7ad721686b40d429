/**
 * `npm run compare -- --repeat N`: each stack run N times, and the comparison made on the median.
 *
 * One run is one draw. On a 2-core machine the same stack's measured seconds moved by up to 40%
 * within minutes (2026-12-03: the bench's prod writers used 1.51 and then 1.13 times the
 * calibrated CPU, fifty minutes apart; writer1769 1.37 and then 1.08, seven minutes apart), so a
 * ranking, or a measured ÷ planned ratio, read off one run per stack can be the drift's. The
 * stacks' runs are interleaved, and every other round goes in reverse order (A B, B A, A B, …),
 * so that a drift over the whole comparison falls on every stack alike; each row then shows the
 * run with the median seconds, and the spread beside it.
 */

/** The order of the runs: `[round, stack index]`, stacks in order in even rounds, reversed in odd ones. */
export function runOrder(stackCount: number, repeat: number): Array<[round: number, stack: number]> {
    if (!(Number.isInteger(stackCount) && stackCount > 0)) throw new Error(`a comparison needs at least one stack (got ${stackCount})`);
    if (!(Number.isInteger(repeat) && repeat >= 1)) throw new Error(`--repeat must be a whole number of runs, 1 or more (got ${repeat})`);
    const order: Array<[number, number]> = [];
    for (let round = 0; round < repeat; round++) {
        const stacks = Array.from({ length: stackCount }, (_, index) => index);
        for (const stack of round % 2 === 0 ? stacks : stacks.reverse()) order.push([round, stack]);
    }
    return order;
}

/**
 * The index of the run with the median seconds: the middle one of an odd count, and the slower of
 * the two middle ones of an even count (a row shows a run that happened, never an average of two).
 */
export function medianRunIndex(seconds: number[]): number {
    if (seconds.length === 0) throw new Error("no runs to take the median of");
    const byTime = seconds.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value || a.index - b.index);
    return byTime[Math.floor(byTime.length / 2)].index;
}

/** One of a stack's runs, in the comparison's JSON: enough to see the spread and which runs stood for the stack. */
export interface RunOfStack {
    /** Its round (0 first). */
    round: number;
    /** Pipeline seconds, in AWS time. */
    seconds: number;
    recordsPerSecond: number;
    timeScale: number;
    /** The machine's busy fraction during the run. */
    busyFraction: number;
    /** Writer CPU ÷ calibration where it set the pace (or the whole run's), when the run was held to a CPU share. */
    writerCpuRatio?: number;
    /** Whether the run stood for the stack (neither CPU-bound nor outside the writer CPU's band). */
    representative: boolean;
    /** Where the mapping's once-a-second polls fell when the file came (0 to 1, drawn at random): one source of the spread. */
    pollPhase: number;
}

/** The spread of a stack's runs: fastest and slowest seconds, and how many runs were not representative. */
export function spreadOf(runs: RunOfStack[]): { min: number; max: number; count: number; flagged: number } {
    const seconds = runs.map((run) => run.seconds);
    return { min: Math.min(...seconds), max: Math.max(...seconds), count: runs.length, flagged: runs.filter((run) => !run.representative).length };
}
