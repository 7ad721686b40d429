import type { CpuShareStats } from "../lambda/cpu-share";
import type { FanoutSettings } from "../../settings/parse";
import type { ProvisionedResources } from "./provision";
import { failedWorkLine } from "../dead-letters/run-summary-line";
import type { S3PutRate } from "./s3-put-rate";
import type { AwsProfileStats } from "../aws-profile";
import { formatFaultLine, type FaultReport } from "../faults/run-faults";
import { formatHeadroom, type Headroom } from "../time-scale/headroom";
import { formatMetricsLines, type MetricsSection } from "./metrics-section";

/** One sample of a run's progress, about once a second. */
export interface TimelinePoint {
    seconds: number;
    /** Records the event source mapping has read from the stream (it reads ahead of the writers by at most batchSize × parallelization per shard). */
    recordsInStream: number;
    /** Records whose writer batch has finished (written, or handed to the on-failure destination). */
    recordsProcessed: number;
    /** Records behind the shards' checkpoints: every earlier record of the shard is finished too. */
    recordsCheckpointed: number;
    iteratorAgeMs: number;
}

export interface ProgressSnapshot extends TimelinePoint {
    records: number;
    splitterDone: boolean;
    deadLettered: number;
    batchesInFlight: number;
    maxIteratorAgeMs: number;
}

/** What `npm start -- --report FILE` writes. */
export interface RunReport {
    stack: string;
    region: string;
    settings: FanoutSettings;
    services: { s3: string; sqs: string; kinesis: string };
    resources: ProvisionedResources;
    input: { key: string; records: number; bytes: number; blankLines: number };
    output: {
        objects: number;
        deadLettered: number;
        deadLetterReasons: Record<string, number>;
        superseded: number;
        /** Batches the event source mapping gave up on (in the failure bucket, or on the queue). */
        failedBatches: number;
        accounted: number;
        verified: boolean;
        problems: string[];
    };
    seconds: { standIns: number; package: number; upload: number; split: number; write: number; pipeline: number; verify: number; total: number };
    recordsPerSecond: number;
    invocations: { splitter: number; writer: number };
    coldStarts: { splitter: number; writer: number };
    functionErrors: { splitter: number; writer: number };
    splitter: unknown[];
    /** Time the splitter's invocations ran, summed. */
    splitterSeconds: number;
    /** `pollPhase`: where the shards' once-a-second polls fell when the file came, as a fraction of a second (drawn at random, as on AWS). */
    mapping: { batches: number; meanBatchSize: number; retries: number; bisections: number; recordsSentToOnFailure: number; pollPhase: number };
    /** Lambda concurrency: the account's limit, the writer's reservation (null: none), and the invocations throttled. */
    concurrency?: ConcurrencySection;
    maxIteratorAgeMs: number;
    s3Ceiling?: S3PutRate;
    /** Records/s of the pipeline in wall time ÷ the S3 endpoint's raw PutObject/s. */
    efficiency?: number;
    /**
     * Time dilation K: modelled durations took K times as long in wall time. Every figure of the
     * report (seconds, rates, iterator ages, the timeline) is in modelled (AWS) time. The K the run
     * started at, when it stepped down after the cold starts (timeScaleSettled).
     */
    timeScale: number;
    /** The smaller K the run stepped down to once the writers' cold starts were over, and when (seconds on the timeline): runtime/time-scale/step-after-cold-starts.ts. */
    timeScaleSettled?: { timeScale: number; atSeconds: number };
    /** How busy the machine's cores were from upload to drained; `cpuBound` runs are not representative. */
    headroom: Headroom;
    /** Lambda's CPU share per function (runtime/lambda/cpu-share.ts): how it was held, and the CPU the invocations used. */
    cpuShare: { splitter: CpuShareStats; writer: CpuShareStats };
    /** Present when the run had AWS's limits and latencies in front of the stand-ins. */
    awsProfile?: { options: object; stats: AwsProfileStats };
    /** Present when the run injected faults (issue 5): what was injected. */
    faults?: FaultReport;
    /** Present with --state: whether this run resumed an earlier one. */
    restart?: { stateDir: string; uploadSkipped: boolean; splitRedelivered: boolean; recordsReadThisRun: number };
    /** The handlers' own metrics (their EMF documents, summed), checked against the run's counts. */
    metrics?: MetricsSection;
    timeline: TimelinePoint[];
    /**
     * Every writer invocation, in AWS seconds from the timeline's start, in the order they finished:
     * each sandbox's own timeline (its batches, their records and CPU, and the gaps between them),
     * to set beside the planner's writer lanes.
     */
    writerInvocations: WriterInvocation[];
}

/** One writer invocation of a run (runtime/lambda/function-pool.ts InvocationTiming, in seconds from the timeline's start). */
export interface WriterInvocation {
    sandbox: number;
    ordinal: number;
    startSeconds: number;
    seconds: number;
    records: number;
    cpuMs?: number;
    coldStart: boolean;
    ok: boolean;
}

export interface ConcurrencySection {
    account: number;
    writerReserved: number | null;
    throttles: { splitter: number; writer: number };
}

const n = (value: number) => value.toLocaleString("en-US");
const s = (value: number) => `${value.toFixed(1)} s`;

/** The summary `npm start` prints at the end. */
export function formatSummary(report: RunReport): string {
    const reasons = Object.entries(report.output.deadLetterReasons)
        .map(([reason, count]) => `${reason} ${n(count)}`)
        .join(", ");
    const lines = [
        `kinesis-fanout · stack ${report.stack} · ${report.services.kinesis}, ${report.services.s3}`,
        `  settings     ${report.settings.streamMode === "ON_DEMAND" ? "on-demand" : `${report.settings.shardCount} shard(s)`}, batch ${report.settings.batchSize}, parallelization ${report.settings.parallelizationFactor}, writer concurrency ${report.settings.writerConcurrency}, partition key ${report.settings.partitionKey}`,
        `  records in   ${n(report.input.records)} lines (${(report.input.bytes / 1048576).toFixed(1)} MiB)${report.input.blankLines ? `, ${n(report.input.blankLines)} blank skipped` : ""}`,
        `  written      ${n(report.output.objects)} objects`,
        `  dead-letters ${n(report.output.deadLettered)}${reasons ? ` (${reasons})` : ""}${report.output.superseded ? `; ${n(report.output.superseded)} superseded by a later line with the same id` : ""}`,
        `  accounted    ${n(report.output.accounted)} of ${n(report.input.records)}`,
        `  seconds      upload ${s(report.seconds.upload)}, split ${s(report.seconds.split)}, split+write ${s(report.seconds.write)}, verify ${s(report.seconds.verify)}; total ${s(report.seconds.total)} (stand-ins ${s(report.seconds.standIns)}, packaging ${s(report.seconds.package)})`,
        `  throughput   ${n(Math.round(report.recordsPerSecond))} records/s from upload to drained (${pipelineSeconds(report)})`,
        `  time scale   ${timeScaleText(report)}; CPU share ${report.cpuShare.writer.mode}`,
        `  headroom     ${formatHeadroom(report.headroom)}`,
        `  invocations  splitter ${n(report.invocations.splitter)} (${report.coldStarts.splitter} cold), writer ${n(report.invocations.writer)} (${report.coldStarts.writer} cold), errors ${report.functionErrors.splitter + report.functionErrors.writer}`,
        `  mapping      ${n(report.mapping.batches)} batches, mean ${report.mapping.meanBatchSize.toFixed(0)} records, ${report.mapping.retries} retries, ${report.mapping.bisections} bisections; max iterator age ${n(Math.round(report.maxIteratorAgeMs))} ms`,
    ];
    if (report.concurrency) {
        const { account, writerReserved, throttles } = report.concurrency;
        lines.push(
            `  concurrency  account ${n(account)}, writer reserved ${writerReserved === null ? "none" : n(writerReserved)}; throttled: writer ${n(throttles.writer)} (the mapping retried them), splitter ${n(throttles.splitter)} (requeued)`,
        );
    }
    lines.push(formatCpuShareLine(report.cpuShare));
    const failedWork = failedWorkLine(report);
    if (failedWork) lines.push(failedWork);
    if (report.awsProfile) {
        const { kinesis } = report.awsProfile.stats;
        lines.push(
            `  AWS profile  ${n(kinesis.throttledPutEntries)} put entries throttled of ${n(kinesis.putEntries)}, ${n(kinesis.throttledGetRecordsCalls)} GetRecords calls throttled, ${n(report.awsProfile.stats.s3.slowDowns ?? 0)} S3 writes answered SlowDown; splitter retried ${n(retriedEntries(report))} entries`,
        );
    }
    if (report.faults) lines.push(formatFaultLine(report.faults));
    if (report.restart?.uploadSkipped) {
        lines.push(`  resumed      input already uploaded (same key and ETag); ${report.restart.splitRedelivered ? "splitter event delivered again" : "splitter had finished"}; ${n(report.restart.recordsReadThisRun)} records read after the checkpoints`);
    }
    if (report.metrics) lines.push(...formatMetricsLines(report.metrics));
    if (report.s3Ceiling) {
        lines.push(
            `  S3 ceiling   ${n(Math.round(report.s3Ceiling.putsPerSecond))} PutObject/s raw (${n(report.s3Ceiling.objects)} × ${n(report.s3Ceiling.bytes)} B at ${report.s3Ceiling.concurrency} in flight, after ${n(report.s3Ceiling.warmUpObjects ?? 0)} untimed); pipeline efficiency ${((report.efficiency ?? 0) * 100).toFixed(0)}%`,
        );
    }
    lines.push(report.output.verified ? "  verified     yes: every valid line has exactly one object with its exact bytes" : `  verified     NO: ${report.output.problems.join("; ")}`);
    return lines.join("\n");
}

/** "K = 35.5, then 19.5 from 1.6 s (after the writers' cold starts)": the run's K, and the step down when there was one. */
export function timeScaleText(report: Pick<RunReport, "timeScale" | "timeScaleSettled">): string {
    const { timeScale, timeScaleSettled: settled } = report;
    if (!settled) return timeScale === 1 ? "K = 1 (no dilation)" : `K = ${timeScale}: each modelled second took ${timeScale} s of wall time; figures are in AWS time`;
    return `K = ${timeScale}, then ${settled.timeScale} from ${settled.atSeconds.toFixed(1)} s (after the writers' cold starts): each modelled second took K s of wall time; figures are in AWS time`;
}

/** A table cell for a run's K: "9.5", or "35.5 → 19.5 at 1.6 s" when it stepped down after the cold starts. */
export function timeScaleCell(report: Pick<RunReport, "timeScale" | "timeScaleSettled">): string {
    const settled = report.timeScaleSettled;
    return settled ? `${report.timeScale} → ${settled.timeScale} at ${settled.atSeconds.toFixed(1)} s` : String(report.timeScale);
}

/** The pipeline's seconds, flagged when the machine was CPU-bound: never a plain figure then. */
export function pipelineSeconds(report: Pick<RunReport, "seconds" | "headroom">): string {
    return flaggedSeconds(report.seconds.pipeline, report.headroom);
}

/** "23.4 s", or "23.4 s ⚠ CPU-bound" when the run's machine was CPU-bound. */
export function flaggedSeconds(seconds: number, headroom: Pick<Headroom, "cpuBound"> | undefined): string {
    return `${seconds.toFixed(1)} s${headroom?.cpuBound ? " ⚠ CPU-bound" : ""}`;
}

/** How the sandboxes got Lambda's CPU share, e.g. "cpu share    cgroup-v1: writer 0.145 core (init 1), splitter 0.579 core (init 1); writer CPU 3.2 ms a record". */
export function formatCpuShareLine(cpuShare: RunReport["cpuShare"]): string {
    const { splitter, writer } = cpuShare;
    if (writer.mode === "off") return "  cpu share    off: sandboxes run at the machine's speed (--cpu-share auto|cgroup|measured gives Lambda's memoryMb / 1,769 of a core)";
    const cores = (stats: CpuShareStats) => `${(stats.invokeCores ?? 0).toFixed(3)} core (init ${(stats.initCores ?? 0).toFixed(3)})`;
    const scale = writer.timeScale === 1 ? "" : ` at time scale ${writer.timeScale}`;
    const added = writer.addedWaitMs + splitter.addedWaitMs > 0 ? `; waits added ${s((writer.addedWaitMs + splitter.addedWaitMs) / 1000)}` : "";
    return `  cpu share    ${writer.mode}${scale}: writer ${cores(writer)}, splitter ${cores(splitter)}; CPU used writer ${s(writer.invocationCpuMs / 1000)}, splitter ${s(splitter.invocationCpuMs / 1000)}${added}`;
}

/** Entries the splitter had to send again, summed over its invocations. */
export function retriedEntries(report: RunReport): number {
    return report.splitter.reduce<number>((sum, result) => sum + (typeof (result as { retriedEntries?: unknown })?.retriedEntries === "number" ? (result as { retriedEntries: number }).retriedEntries : 0), 0);
}
