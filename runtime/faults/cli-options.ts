import { InvalidArgumentError, type Command } from "commander";
import { anyFault, resolveFaultOptions, type FaultOptions } from "./fault-options";

/**
 * The fault flags of issue 5, for `npm start` and `npm run compare`:
 * `addFaultOptions(command)` declares them, `faultOptionsFrom(command.opts())` reads them back
 * (undefined when every fault is off).
 */
function probability(name: string) {
    return (value: string): number => {
        const number = Number(value);
        if (!/^\d*\.?\d+$/.test(value) || !(number >= 0 && number <= 1)) {
            throw new InvalidArgumentError(`${name} must be a probability from 0 to 1, such as 0.05 (got "${value}")`);
        }
        return number;
    };
}

function count(name: string) {
    return (value: string): number => {
        if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number >= 0 (got "${value}")`);
        return Number(value);
    };
}

export function addFaultOptions(command: Command): Command {
    return command
        .option("--fail-put-rate <p>", "fail this fraction of the splitter's PutRecords entries (ProvisionedThroughputExceeded or InternalFailure)", probability("--fail-put-rate"))
        .option("--fail-write-rate <p>", "fail this fraction of the writer's S3 PutObject calls (500 InternalError or 503 SlowDown)", probability("--fail-write-rate"))
        .option("--crash-rate <p>", "kill the writer's sandbox partway through this fraction of its invocations", probability("--crash-rate"))
        .option("--duplicate-rate <p>", "deliver this fraction of successful batches a second time", probability("--duplicate-rate"))
        .option("--duplicate-async-rate <p>", "deliver this fraction of asynchronous invocations (S3 events, splitter continuations) a second time, as Lambda may", probability("--duplicate-async-rate"))
        .option("--poison <n>", "mix this many invalid lines into the generated input", count("--poison"))
        .option("--fault-seed <n>", "seed of the fault decisions (default 1)", count("--fault-seed"));
}

export function faultOptionsFrom(options: Record<string, unknown>): FaultOptions | undefined {
    const faults = resolveFaultOptions({
        failPutRate: options.failPutRate as number | undefined,
        failWriteRate: options.failWriteRate as number | undefined,
        crashRate: options.crashRate as number | undefined,
        duplicateRate: options.duplicateRate as number | undefined,
        duplicateAsyncRate: options.duplicateAsyncRate as number | undefined,
        poison: options.poison as number | undefined,
        seed: options.faultSeed as number | undefined,
    });
    return anyFault(faults) ? faults : undefined;
}
