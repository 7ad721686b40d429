import type { SettledTimeScale } from "../time-scale/step-after-cold-starts";
import type { CpuShareChoice } from "../lambda/cpu-share";
import type { FanoutSettings } from "../../settings/parse";
import type { AwsProfileOptions } from "../aws-profile";
import type { Clock } from "../clock";
import type { FaultOptions } from "../faults/fault-options";
import type { ServiceEndpoints } from "./aws-clients";
import type { ProgressSnapshot } from "./run-report";

/** One run of a stack's configuration: what `npm start` asks for. */
export interface RunSpec {
    stack: string;
    settings: FanoutSettings;
    region: string;
    /** The local file to upload, and its name in the input bucket (prefix and suffix are added as the stack needs). */
    inputFile: string;
    inputName: string;
    /** Services already running; an absent one is started embedded. */
    endpoints?: ServiceEndpoints;
    /** Prefix of the resources' names (default kinesis-fanout); bucket names are global on AWS. */
    resourcePrefix?: string;
    /** Measure the S3 PutObject ceiling after the run (default true). */
    measureS3Ceiling?: boolean;
    /** Called about once a second while records flow. */
    onProgress?: (snapshot: ProgressSnapshot) => void;
    signal?: AbortSignal;
    /** Lambda async retry delays, AWS's [60 s, 120 s] by default. */
    asyncRetryDelaysMs?: number[];
    /** The account's Lambda concurrency (default AWS's 1,000): invocations beyond it, or beyond a reservation, are throttled. */
    accountConcurrency?: number;
    /** Put AWS's per-shard limits and calibrated latencies in front of Kinesis and S3. */
    awsProfile?: AwsProfileOptions;
    /** Lambda's CPU share for the sandboxes (--cpu-share); default `auto` under the AWS profile, `off` at local speed. */
    cpuShare?: CpuShareChoice;
    /** The time every modelled delay and timestamp of the run is read from; default real time, or a ScaledClock of `timeScale`. */
    clock?: Clock;
    /**
     * Time dilation K (default 1): every modelled duration takes K times as long in wall time and
     * every modelled rate is K times lower, so this machine looks K times faster to the system it
     * emulates; the report speaks in modelled (AWS) time. Ignored when `clock` is given.
     */
    timeScale?: number;
    /**
     * A smaller K for the rest of the run once the writers' cold starts are over
     * (runtime/time-scale/step-after-cold-starts.ts): `timeScale` is the cold start's. Ignored
     * without dilation or when `clock` is given.
     */
    timeScaleAfterColdStarts?: SettledTimeScale;
    /**
     * Keep the machine's cores awake with idle-priority busy loops during the run
     * (runtime/time-scale/awake-cores.ts), so a dilated sandbox's waits don't make its wake-ups
     * cost more CPU than at AWS's latencies; default on under the AWS profile, off at local speed.
     */
    keepCoresAwake?: boolean;
    /**
     * Where the shards' once-a-second polls fall when the file comes, as a fraction of a second (the
     * mapping's `pollPhase`): default random, as on AWS, where the mapping has polled since it was
     * deployed. A fixed phase takes that second's chance out of a run.
     */
    pollPhase?: () => number;
}

/** Hooks for benchmarks (`npm run bench`), which measure the pipeline with other code or at its end. */
export interface BenchHooks {
    /**
     * Other function code to run instead of the project's handlers, such as the seed article's own
     * setup. Default: the factories the Pulumi components deploy.
     */
    functions?: { splitter?: () => unknown; writer?: () => unknown };
    /** Called once the stream has drained, before verification: for measurements of the pipeline alone. */
    onDrained?: () => void;
}

/** A run that can stop and continue (`--state`). */
export interface RestartOptions {
    /** Folder for the stand-ins' data, the mapping's checkpoints and the run's manifest. */
    stateDir: string;
}

export interface RunOptions extends RunSpec {
    bench?: BenchHooks;
    /** Faults to inject (issue 5): failed puts and writes, writer crashes, duplicate batches. Poison is in the input file. */
    faults?: FaultOptions;
    restart?: RestartOptions;
}
