import type { FunctionPool, InvocationResult } from "../lambda/function-pool";
import type { KinesisEventSourceMapping } from "../event-sources/kinesis-event-source-mapping";
import type { S3ObjectCreatedSource } from "../event-sources/s3-object-created";
import type { ServiceEndpoints } from "./aws-clients";
import type { ProvisionedResources } from "./provision";
import type { ExpectedOutput } from "./expected-output";
import type { classifyDeadLetters, Verification } from "./verify-output";
import type { S3PutRate } from "./s3-put-rate";
import type { RunOptions } from "./run-pipeline";
import type { RunReport, TimelinePoint } from "./run-report";

/** Gathers what a run measured and verified into the report `npm start` prints and `--report` writes. */
export function buildReport(parts: {
    options: RunOptions;
    resources: ProvisionedResources;
    inputKey: string;
    expected: ExpectedOutput;
    verification: Verification;
    deadLetters: ReturnType<typeof classifyDeadLetters>;
    seconds: Record<string, number>;
    timeline: TimelinePoint[];
    splitterResults: InvocationResult[];
    splitterStats: ReturnType<FunctionPool["stats"]>;
    writerStats: ReturnType<FunctionPool["stats"]>;
    mappingStats: ReturnType<KinesisEventSourceMapping["stats"]>;
    s3Stats: ReturnType<S3ObjectCreatedSource["stats"]>;
    s3Ceiling?: S3PutRate;
    endpoints: ServiceEndpoints;
    external: ServiceEndpoints;
    profile?: RunReport["awsProfile"];
}): RunReport {
    const { options, expected, verification, seconds, mappingStats } = parts;
    const reasons: Record<string, number> = {};
    for (const reason of verification.deadLettered.values()) reasons[reason] = (reasons[reason] ?? 0) + 1;
    const recordsPerSecond = seconds.pipeline > 0 ? expected.records / seconds.pipeline : 0;
    return {
        stack: options.stack,
        region: options.region,
        settings: options.settings,
        services: {
            s3: parts.external.s3 ?? "embedded fauxqs",
            sqs: parts.external.sqs ?? "embedded fauxqs",
            kinesis: parts.external.kinesis ?? "embedded kinesalite",
        },
        resources: parts.resources,
        input: { key: parts.inputKey, records: expected.records, bytes: expected.inputBytes, blankLines: expected.blankLines },
        output: {
            objects: verification.objectsWritten,
            deadLettered: verification.deadLettered.size,
            deadLetterReasons: reasons,
            superseded: expected.superseded.length,
            accounted: verification.accounted,
            verified: verification.verified,
            problems: verification.problems,
        },
        seconds: {
            standIns: seconds.standIns ?? 0,
            package: seconds.package,
            upload: seconds.upload,
            split: seconds.split,
            write: seconds.write,
            pipeline: seconds.pipeline,
            verify: seconds.verify,
            total: seconds.total,
        },
        recordsPerSecond,
        invocations: { splitter: parts.splitterStats.invocations, writer: parts.writerStats.invocations },
        coldStarts: { splitter: parts.splitterStats.coldStarts, writer: parts.writerStats.coldStarts },
        functionErrors: { splitter: parts.splitterStats.errors, writer: parts.writerStats.errors },
        splitter: parts.splitterResults.map((result) => (result.ok ? result.payload : { error: result.errorType, message: result.errorMessage })),
        splitterSeconds: parts.splitterResults.reduce((sum, result) => sum + result.durationMs, 0) / 1000,
        mapping: {
            batches: mappingStats.batchesInvoked,
            meanBatchSize: mappingStats.batchesInvoked ? mappingStats.recordsInvoked / mappingStats.batchesInvoked : 0,
            retries: mappingStats.retries,
            bisections: mappingStats.bisections,
            recordsSentToOnFailure: mappingStats.recordsSentToOnFailure,
        },
        maxIteratorAgeMs: mappingStats.maxIteratorAgeMs,
        s3Ceiling: parts.s3Ceiling,
        efficiency: parts.s3Ceiling ? recordsPerSecond / parts.s3Ceiling.putsPerSecond : undefined,
        awsProfile: parts.profile,
        timeline: parts.timeline,
    };
}
