/**
 * The faults a run can inject (issue 5), as `npm start` and `npm run compare` take them. Every
 * rate is a probability from 0 to 1; 0 turns that fault off.
 */
export interface FaultOptions {
    /** Fraction of PutRecords entries (and PutRecord calls) the Kinesis layer fails. */
    failPutRate: number;
    /** Fraction of S3 PutObject calls that fail with 500 InternalError or 503 SlowDown. */
    failWriteRate: number;
    /** Fraction of writer invocations whose sandbox is killed partway through the batch. */
    crashRate: number;
    /** Fraction of successful batches the event source mapping delivers a second time. */
    duplicateRate: number;
    /** Fraction of asynchronous invocations (S3 events, splitter continuations) Lambda delivers a second time. */
    duplicateAsyncRate: number;
    /** Invalid lines mixed into the generated input. */
    poison: number;
    /** Seed of every fault decision. */
    seed: number;
}

export const NO_FAULTS: FaultOptions = Object.freeze({
    failPutRate: 0,
    failWriteRate: 0,
    crashRate: 0,
    duplicateRate: 0,
    duplicateAsyncRate: 0,
    poison: 0,
    seed: 1,
});

const RATES = ["failPutRate", "failWriteRate", "crashRate", "duplicateRate", "duplicateAsyncRate"] as const;

/** Fills in NO_FAULTS for every option left out; throws an Error naming each value out of range. */
export function resolveFaultOptions(options: Partial<FaultOptions> = {}): FaultOptions {
    const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
    const resolved: FaultOptions = { ...NO_FAULTS, ...defined };
    const problems: string[] = [];
    for (const name of RATES) {
        const value = resolved[name];
        if (typeof value !== "number" || !(value >= 0 && value <= 1)) problems.push(`${name} must be a probability from 0 to 1 (got ${value})`);
    }
    if (!Number.isSafeInteger(resolved.poison) || resolved.poison < 0) problems.push(`poison must be a whole number of lines >= 0 (got ${resolved.poison})`);
    if (!Number.isSafeInteger(resolved.seed)) problems.push(`seed must be an integer (got ${resolved.seed})`);
    if (problems.length > 0) throw new Error(`invalid fault options: ${problems.join("; ")}`);
    return resolved;
}

/** Whether the functions' S3 and Kinesis calls need the fault proxy in front of them. */
export function needsFaultProxy(options: FaultOptions): boolean {
    return options.failPutRate > 0 || options.failWriteRate > 0;
}

export function anyFault(options: FaultOptions): boolean {
    return RATES.some((name) => options[name] > 0) || options.poison > 0;
}

/** One line for the run summary, e.g. "fail-put 0.05, crash 0.02, poison 8 (seed 1)". */
export function describeFaults(options: FaultOptions): string {
    const parts: string[] = [];
    if (options.failPutRate) parts.push(`fail-put ${options.failPutRate}`);
    if (options.failWriteRate) parts.push(`fail-write ${options.failWriteRate}`);
    if (options.crashRate) parts.push(`crash ${options.crashRate}`);
    if (options.duplicateRate) parts.push(`duplicate ${options.duplicateRate}`);
    if (options.duplicateAsyncRate) parts.push(`duplicate-async ${options.duplicateAsyncRate}`);
    if (options.poison) parts.push(`poison ${options.poison}`);
    return parts.length ? `${parts.join(", ")} (seed ${options.seed})` : "none";
}
