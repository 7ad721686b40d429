import * as path from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import type { AwsProfileOptions } from "./aws-profile";
import { CPU_SHARE_CHOICES, type CpuShareChoice } from "./lambda/cpu-share";
import { INTERRUPTED } from "./pipeline/interrupted";

/** Option parsers and option groups shared by `npm start`, `npm run compare` and `npm run bench`. */

export function wholeNumber(name: string, min = 1) {
    return (value: string): number => {
        if (!/^\d+$/.test(value) || Number(value) < min) {
            throw new InvalidArgumentError(`${name} must be a whole number of at least ${min} (got "${value}")`);
        }
        return Number(value);
    };
}

export function milliseconds(name: string) {
    return (value: string): number => {
        if (!/^\d+(\.\d+)?$/.test(value)) throw new InvalidArgumentError(`${name} must be a number of milliseconds ≥ 0 (got "${value}")`);
        return Number(value);
    };
}

export function httpUrl(name: string) {
    return (value: string): string => {
        let parsed: URL | undefined;
        try {
            parsed = new URL(value);
        } catch {
            parsed = undefined;
        }
        if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
            throw new InvalidArgumentError(`${name} must be an http:// or https:// URL (got "${value}")`);
        }
        return value;
    };
}

/** --aws-profile and the latency overrides (defaults: the seed article's measurements). */
export function addAwsProfileOptions(command: Command, enabledByDefault: boolean): Command {
    const profile = enabledByDefault
        ? command.option("--no-aws-profile", "run at local speed, without AWS's per-shard limits and latencies")
        : command.option("--aws-profile", "put AWS's per-shard limits and the seed's measured latencies in front of Kinesis and S3");
    return profile
        .option("--put-latency-ms <ms>", "delay added to a PutRecords/PutRecord call under the AWS profile (default 8, which the function sees as the seed's 10)", milliseconds("--put-latency-ms"))
        .option("--s3-put-latency-ms <ms>", "delay added to an S3 PutObject under the AWS profile (default 48, seen as the seed's 50)", milliseconds("--s3-put-latency-ms"))
        .option("--get-records-latency-ms <ms>", "most latency of a GetRecords call under the AWS profile (seed: 18)", milliseconds("--get-records-latency-ms"))
        .option(
            "--cpu-share <mode>",
            "Lambda's CPU share (memoryMb / 1,769 of a core) for the sandboxes: auto (the kernel's cgroup quota where writable, else measured), cgroup, measured or off; default auto under the AWS profile, off at local speed",
            cpuShareChoice,
        )
        .option(
            "--no-keep-cores-awake",
            "under the AWS profile, don't keep this machine's cores awake with idle-priority loops (they stop a dilated sandbox's long waits from making its wake-ups cost more CPU than at AWS's latencies; their CPU is not counted as busy)",
        );
}

/** The run option of --no-keep-cores-awake: false when given, else the run's default (on under the AWS profile). */
export function keepCoresAwakeFrom(options: { keepCoresAwake?: boolean }): false | undefined {
    return options.keepCoresAwake === false ? false : undefined;
}

function cpuShareChoice(value: string): CpuShareChoice {
    if (!(CPU_SHARE_CHOICES as readonly string[]).includes(value)) {
        throw new InvalidArgumentError(`--cpu-share must be one of ${CPU_SHARE_CHOICES.join(", ")} (got "${value}")`);
    }
    return value as CpuShareChoice;
}

/** --time-scale K: time dilation (a number of at least 1); left out, the command picks it. */
export function addTimeScaleOption(command: Command, defaultText: string): Command {
    return command.option(
        "--time-scale <K>",
        `time dilation: every modelled (AWS) duration takes K times as long and every modelled rate is K times lower, so this machine looks K times faster to the emulated system; reports stay in AWS time (default: ${defaultText})`,
        timeScaleArgument,
    );
}

function timeScaleArgument(value: string): number {
    const scale = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value) || !(scale >= 1) || !Number.isFinite(scale)) {
        throw new InvalidArgumentError(`--time-scale must be a number of at least 1 (got "${value}")`);
    }
    return scale;
}

/** The profile options from parsed flags, or undefined when the profile is off. */
export function awsProfileFrom(options: Record<string, unknown>): AwsProfileOptions | undefined {
    if (!options.awsProfile) return undefined;
    const profile: AwsProfileOptions = {};
    if (options.putLatencyMs !== undefined) profile.putRecordsLatencyMs = options.putLatencyMs as number;
    if (options.s3PutLatencyMs !== undefined) profile.s3PutObjectLatencyMs = options.s3PutLatencyMs as number;
    if (options.getRecordsLatencyMs !== undefined) {
        const most = options.getRecordsLatencyMs as number;
        profile.getRecordsLatencyMs = [Math.min(5, most), most];
    }
    return profile;
}


/**
 * Runs a command's main function: its number is the exit status; an error is printed in one line
 * and exits 2 (130 when the run was interrupted).
 */
export function runCommand(main: () => Promise<number>): void {
    main().then(
        (code) => process.exit(code),
        (error: unknown) => {
            process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
            process.exit(error instanceof Error && error.message === INTERRUPTED ? 130 : 2);
        },
    );
}

/**
 * Ctrl-C (or SIGTERM) for a long command: the first aborts the returned signal, so the run stops
 * its stand-ins and sandboxes; a second exits at once, after `onForce` (synchronous clean-up).
 */
export function interruptSignal(onForce: () => void = () => undefined): AbortSignal {
    const controller = new AbortController();
    let interrupts = 0;
    const onInterrupt = () => {
        if (++interrupts > 1) {
            onForce();
            process.exit(130);
        }
        process.stderr.write("\ninterrupted: stopping the stand-ins and sandboxes (Ctrl-C again to force)\n");
        controller.abort();
    };
    process.on("SIGINT", onInterrupt);
    process.on("SIGTERM", onInterrupt);
    return controller.signal;
}

/** --stacks-dir: where `Pulumi.<stack>.yaml` files are read from (default the project), e.g. test fixtures. */
export function addStacksDirOption(command: Command): Command {
    return command.option("--stacks-dir <dir>", "read Pulumi.<stack>.yaml from this folder instead of the project's (e.g. tests/fixtures/stacks)");
}

export function stacksDirFrom(options: Record<string, unknown>, projectDir: string): string {
    return typeof options.stacksDir === "string" ? path.resolve(options.stacksDir) : projectDir;
}
