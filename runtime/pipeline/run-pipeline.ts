import { writerLanes } from "../../settings/parse";
import { realClock } from "../clock";
import { createAwsClients } from "./aws-clients";
import { buildReport, type RunMeasurements } from "./build-report";
import { checkAborted, driveInput } from "./drive-input";
import type { ExpectedOutput } from "./expected-output";
import { ProgressSampler } from "./progress-sampler";
import { startEnvironment, type RunEnvironment } from "./run-environment";
import { startFunctions } from "./run-functions";
import type { RunOptions } from "./run-options";
import type { RunReport } from "./run-report";
import { provisionStack, type RunStack } from "./run-stack";
import { startTriggers } from "./run-triggers";
import { measureS3PutRate, type S3PutRate } from "./s3-put-rate";
import { classifyDeadLetters, verifyOutput } from "./verify-output";
import { readFailedBatches } from "../dead-letters/failure-bucket";
import { readDeadLetters } from "../dead-letters/dead-letter-store";

export type { BenchHooks, RestartOptions, RunOptions, RunSpec } from "./run-options";

/**
 * Runs one stack's configuration end to end: provisions its resources, runs the same Lambda code
 * `pulumi up` would upload in local sandboxes behind AWS-shaped triggers, uploads the input,
 * waits for the stream to drain and verifies the output against the input. Each phase stops
 * what it started when the run leaves it, in reverse order, also on an error or Ctrl-C.
 */
export async function runPipeline(options: RunOptions): Promise<RunReport> {
    const clock = options.clock ?? realClock;
    const started = clock.now();
    await using env = await startEnvironment(options, clock);
    checkAborted(options.signal);
    const stack = await provisionStack(env, options);
    await using functions = await startFunctions(env, stack, options, clock);
    await using triggers = await startTriggers(env, stack, functions, options, clock);
    using sampler = new ProgressSampler(clock, { env, stack, triggers, onProgress: options.onProgress });

    const driven = await driveInput({ env, stack, triggers, sampler }, options, clock);
    options.bench?.onDrained?.();
    sampler.finish();
    const measured = { mapping: triggers.mapping.stats(), splitter: functions.splitter.stats(), writer: functions.writer.stats() };
    await triggers.mapping.stop();
    await triggers.s3Source.stop();
    const flowed: RunMeasurements = { ...measured, splitterResults: triggers.splitterResults, timeline: sampler.timeline };

    const begin = clock.now();
    const checked = await verifyRun(env, stack, driven.expected);
    const verifySeconds = (clock.now() - begin) / 1000;
    const s3Ceiling = options.measureS3Ceiling === false ? undefined : await measureCeiling(env, stack, driven.expected, options.region);
    const seconds = { standIns: env.standInsSeconds ?? 0, package: functions.packageSeconds, ...driven.seconds, verify: verifySeconds, total: (clock.now() - started) / 1000 };
    return buildReport({ run: options, env, stack, expected: driven.expected, ...checked, seconds, measured: flowed, s3Ceiling });
}

/** The fifth phase: reads the dead-letter queue and checks every expected object against the output bucket. */
async function verifyRun(env: RunEnvironment, stack: RunStack, expected: ExpectedOutput) {
    const { resources } = stack;
    // With an S3 on-failure destination, the failed batches (with their records) are in the failure bucket.
    const failedBatches = resources.failureBucketInUse ? await readFailedBatches(env.clients.s3, resources.failureBucketInUse) : [];
    // Read without hiding them afterwards: `npm run dead-letters` may look at the queue right after the run.
    const queued = await readDeadLetters({ sqs: env.clients.sqs, s3: env.clients.s3, queueUrl: resources.deadLetterQueueUrl });
    const bodies = queued.map((letter) => (letter.body === undefined ? "" : JSON.stringify(letter.body)));
    const deadLetters = classifyDeadLetters([...bodies, ...failedBatches.map((batch) => JSON.stringify(batch.document))]);
    const verification = await verifyOutput({
        s3: env.clients.s3,
        kinesis: env.clients.kinesis,
        outputBucket: resources.outputBucket,
        streamName: resources.streamName,
        sourceKey: stack.inputKey,
        expected,
        deadLetters,
    });
    return { deadLetters, verification };
}

/** The S3 endpoint's own PutObject rate, without the AWS profile's added latency or the fault proxy. */
async function measureCeiling(env: RunEnvironment, stack: RunStack, expected: ExpectedOutput, region: string): Promise<S3PutRate> {
    const { resources, settings } = stack;
    const rawS3 = createAwsClients(region, { s3: env.rawS3Endpoint }).s3;
    try {
        return await measureS3PutRate(rawS3, `${resources.outputBucket}-ceiling`, {
            objects: Math.min(expected.records, 5000),
            bytes: Math.max(1, Math.round(expected.inputBytes / Math.max(1, expected.records))),
            concurrency: settings.writerConcurrency * writerLanes(settings, resources.shardCount),
        });
    } finally {
        rawS3.destroy();
    }
}
