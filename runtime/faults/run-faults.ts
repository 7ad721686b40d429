import { realClock, type Clock } from "../clock";
import type { FunctionPoolStats } from "../lambda/function-pool";
import type { KinesisMappingStats } from "../event-sources/kinesis-event-source-mapping";
import { CrashPlan } from "./crash-plan";
import { SandboxCrashes } from "./sandbox-crashes";
import { DuplicatePlan } from "./duplicate-plan";
import { AsyncDuplicatePlan } from "./async-duplicate-plan";
import { describeFaults, needsFaultProxy, type FaultOptions } from "./fault-options";
import { startFaultProxy, type FaultProxy } from "./fault-proxy";

/**
 * The faults of one run, set up in one place for runPipeline: the proxy in front of the functions'
 * Kinesis and S3 calls, the writer's crash plan and the mapping's duplicate deliveries, and what
 * was injected, for the report.
 */
export interface FaultReport {
    options: FaultOptions;
    summary: string;
    putEntries: number;
    failedPutEntries: Record<string, number>;
    putObjects: number;
    failedPutObjects: Record<string, number>;
    crashesPlanned: number;
    /** Writer invocations whose sandbox died (the planned crashes that came before the batch ended). */
    writerCrashes: number;
    redeliveries: number;
    /** Asynchronous events (S3 events, continuations) delivered twice. */
    asyncDuplicates: number;
}

export interface RunFaults {
    options: FaultOptions;
    /** Endpoints for the functions: the proxy's when S3 or Kinesis faults are on. */
    functionEndpoints<T extends { s3?: string; kinesis?: string }>(endpoints: T): T;
    /** The writer pool's crash plug-in, with --crash-rate. */
    crashes?: SandboxCrashes;
    redeliver?: () => boolean;
    /** For the splitter's asynchronous queues (S3 events and continuations): deliver this event twice? */
    duplicateAsync?: () => boolean;
    report(writer: FunctionPoolStats, mapping: KinesisMappingStats): FaultReport;
    close(): Promise<void>;
}

export async function startRunFaults(options: FaultOptions, upstream: { s3?: string; kinesis?: string }, clock: Clock = realClock): Promise<RunFaults> {
    let proxy: FaultProxy | undefined;
    if (needsFaultProxy(options)) {
        if (!upstream.s3 || !upstream.kinesis) {
            throw new Error("--fail-put-rate and --fail-write-rate need S3 and Kinesis endpoints to put the fault proxy in front of (the embedded stand-ins, or --s3-endpoint and --kinesis-endpoint)");
        }
        proxy = await startFaultProxy({ s3: upstream.s3, kinesis: upstream.kinesis }, options);
    }
    const crashes = options.crashRate > 0 ? new SandboxCrashes(new CrashPlan(options.crashRate, options.seed), clock) : undefined;
    const duplicates = options.duplicateRate > 0 ? new DuplicatePlan(options.duplicateRate, options.seed) : undefined;
    const asyncDuplicates = options.duplicateAsyncRate > 0 ? new AsyncDuplicatePlan(options.duplicateAsyncRate, options.seed) : undefined;
    return {
        options,
        functionEndpoints: (endpoints) => (proxy ? { ...endpoints, s3: proxy.s3Endpoint, kinesis: proxy.kinesisEndpoint } : endpoints),
        crashes,
        redeliver: duplicates?.redeliver,
        duplicateAsync: asyncDuplicates?.duplicate,
        report: (writer, mapping) => {
            const stats = proxy?.stats();
            return {
                options,
                summary: describeFaults(options),
                putEntries: stats?.putEntries ?? 0,
                failedPutEntries: stats?.failedPutEntries ?? {},
                putObjects: stats?.putObjects ?? 0,
                failedPutObjects: stats?.failedPutObjects ?? {},
                crashesPlanned: crashes?.planned ?? 0,
                writerCrashes: writer.crashes,
                redeliveries: mapping.redeliveries,
                asyncDuplicates: asyncDuplicates?.duplicated ?? 0,
            };
        },
        close: async () => {
            await proxy?.close();
        },
    };
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((total, value) => total + value, 0);

/** The summary line `npm start` prints for a run with faults. */
export function formatFaultLine(report: FaultReport): string {
    const n = (value: number) => value.toLocaleString("en-US");
    return (
        `  faults       ${report.summary}: ${n(sum(report.failedPutEntries))} of ${n(report.putEntries)} put entries failed, ` +
        `${n(sum(report.failedPutObjects))} of ${n(report.putObjects)} PutObject failed, ${n(report.writerCrashes)} writer crashes ` +
        `(${n(report.crashesPlanned)} planned), ${n(report.redeliveries)} batches delivered twice` +
        (report.options.duplicateAsyncRate > 0 ? `, ${n(report.asyncDuplicates)} async events delivered twice` : "")
    );
}
