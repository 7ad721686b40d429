import type { KinesisMappingStats } from "../event-sources/kinesis-event-source-mapping";
import type { HandlerMetricTotals } from "../lambda/emf-metrics";
import type { FunctionPoolStats, InvocationResult } from "../lambda/function-pool";
import type { ExpectedOutput } from "./expected-output";
import { metricsSection, repeatedWorkOf } from "./metrics-section";
import type { RunEnvironment } from "./run-environment";
import type { RunOptions } from "./run-options";
import type { ConcurrencySection, RunReport, TimelinePoint } from "./run-report";
import type { RunStack } from "./run-stack";
import type { S3PutRate } from "./s3-put-rate";
import type { DeadLetterContents, Verification } from "./verify-output";
import type { Headroom } from "../time-scale/headroom";

/** What the run measured while records flowed, read as the stream drained. */
export interface RunMeasurements {
    mapping: KinesisMappingStats;
    concurrency?: ConcurrencySection;
    splitter: FunctionPoolStats;
    writer: FunctionPoolStats;
    splitterResults: InvocationResult[];
    timeline: TimelinePoint[];
    /** The clock's time (ms) at the timeline's zero. */
    timelineStartMs: number;
}

export interface ReportParts {
    run: RunOptions;
    env: RunEnvironment;
    stack: RunStack;
    expected: ExpectedOutput;
    verification: Verification;
    deadLetters: DeadLetterContents;
    seconds: RunReport["seconds"];
    measured: RunMeasurements;
    s3Ceiling?: S3PutRate;
    /** The run's time dilation K (1: none): the one it started at. */
    timeScale: number;
    /** The K it stepped down to after the writers' cold starts, and when. */
    timeScaleSettled?: RunReport["timeScaleSettled"];
    /** How busy the machine was from upload to drained. */
    headroom: Headroom;
    /** The handlers' metrics, summed from the EMF documents in the sandboxes' output. */
    metrics: HandlerMetricTotals;
}

/** The last phase of a run: gathers what it measured and verified into the report `npm start` prints and `--report` writes. */
export function buildReport(parts: ReportParts): RunReport {
    const { run, env, stack, expected, seconds, measured, s3Ceiling, timeScale, timeScaleSettled, headroom } = parts;
    const recordsPerSecond = seconds.pipeline > 0 ? expected.records / seconds.pipeline : 0;
    const report: RunReport = {
        stack: run.stack,
        region: run.region,
        settings: run.settings,
        services: {
            s3: env.external.s3 ?? "embedded fauxqs",
            sqs: env.external.sqs ?? "embedded fauxqs",
            kinesis: env.external.kinesis ?? "embedded kinesalite",
        },
        resources: stack.resources,
        input: { key: stack.inputKey, records: expected.records, bytes: expected.inputBytes, blankLines: expected.blankLines },
        output: outputSection(parts),
        seconds,
        recordsPerSecond,
        ...functionsSection(measured),
        mapping: mappingSection(measured.mapping),
        concurrency: measured.concurrency,
        maxIteratorAgeMs: measured.mapping.maxIteratorAgeMs,
        s3Ceiling,
        // The ceiling is a wall-clock rate; the pipeline's wall-clock rate is its modelled rate ÷ K (÷ the K of each stretch, when K stepped down: its wall seconds).
        efficiency: s3Ceiling ? (timeScaleSettled ? expected.records / headroom.wallSeconds : recordsPerSecond / timeScale) / s3Ceiling.putsPerSecond : undefined,
        timeScale,
        ...(timeScaleSettled ? { timeScaleSettled } : {}),
        headroom,
        cpuShare: { splitter: measured.splitter.cpuShare, writer: measured.writer.cpuShare },
        awsProfile: env.profile && { options: env.profile.options, stats: env.profile.stats() },
        timeline: measured.timeline,
        writerInvocations: measured.writer.invocationLog.map(({ startMs, durationMs, ...invocation }) => ({
            ...invocation,
            startSeconds: (startMs - measured.timelineStartMs) / 1000,
            seconds: durationMs / 1000,
        })),
    };
    if (env.faults) report.faults = env.faults.report(measured.writer, measured.mapping);
    if (run.restart) {
        const { inputPlan } = stack;
        report.restart = {
            stateDir: run.restart.stateDir,
            uploadSkipped: !inputPlan.upload,
            splitRedelivered: inputPlan.redeliverSplit,
            recordsReadThisRun: measured.mapping.recordsReceived,
        };
    }
    report.metrics = metricsSection(parts.metrics, ownCounts(parts, report), repeatedWorkOf(report));
    return report;
}

/** What the run itself counted, for the metrics to be checked against. */
function ownCounts({ expected }: ReportParts, report: RunReport) {
    const handlerReasons = Object.entries(report.output.deadLetterReasons).filter(([reason]) => !reason.startsWith("batch-"));
    return {
        inputLines: expected.records + expected.blankLines,
        objectsVerified: report.output.objects,
        deadLettersVerified: Object.fromEntries(handlerReasons),
    };
}

function outputSection({ expected, verification, deadLetters }: ReportParts): RunReport["output"] {
    const reasons: Record<string, number> = {};
    for (const reason of verification.deadLettered.values()) reasons[reason] = (reasons[reason] ?? 0) + 1;
    return {
        objects: verification.objectsWritten,
        deadLettered: verification.deadLettered.size,
        deadLetterReasons: reasons,
        superseded: expected.superseded.length,
        failedBatches: deadLetters.batches.length,
        accounted: verification.accounted,
        verified: verification.verified,
        problems: verification.problems,
    };
}

function functionsSection({ splitter, writer, splitterResults }: RunMeasurements): Pick<RunReport, "invocations" | "coldStarts" | "functionErrors" | "splitter" | "splitterSeconds"> {
    return {
        invocations: { splitter: splitter.invocations, writer: writer.invocations },
        coldStarts: { splitter: splitter.coldStarts, writer: writer.coldStarts },
        functionErrors: { splitter: splitter.errors, writer: writer.errors },
        splitter: splitterResults.map((result) => (result.ok ? result.payload : { error: result.errorType, message: result.errorMessage })),
        splitterSeconds: splitterResults.reduce((sum, result) => sum + result.durationMs, 0) / 1000,
    };
}

function mappingSection(mapping: KinesisMappingStats): RunReport["mapping"] {
    return {
        batches: mapping.batchesInvoked,
        meanBatchSize: mapping.batchesInvoked ? mapping.recordsInvoked / mapping.batchesInvoked : 0,
        retries: mapping.retries,
        bisections: mapping.bisections,
        recordsSentToOnFailure: mapping.recordsSentToOnFailure,
        pollPhase: mapping.pollPhase,
    };
}
