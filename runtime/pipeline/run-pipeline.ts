import { writerLanes } from "../../settings/parse";
import { realClock, ScaledClock, type Clock } from "../clock";
import { keepCoresAwake } from "../time-scale/awake-cores";
import { startHeadroomMeter } from "../time-scale/headroom";
import { availableCores } from "../time-scale/machine-cpu";
import { buildReport, type RunMeasurements } from "./build-report";
import { checkAborted, driveInput } from "./drive-input";
import type { ExpectedOutput } from "./expected-output";
import { ProgressSampler } from "./progress-sampler";
import { startEnvironment, type RunEnvironment } from "./run-environment";
import { concurrencySection, packageHandlers, startFunctions } from "./run-functions";
import type { RunOptions } from "./run-options";
import type { RunReport } from "./run-report";
import { provisionStack, type RunStack } from "./run-stack";
import { startTriggers } from "./run-triggers";
import { ceilingClient, measureS3PutRate, type S3PutRate } from "./s3-put-rate";
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
    await using awake = (options.keepCoresAwake ?? Boolean(options.awsProfile)) ? keepCoresAwake(availableCores()) : undefined;
    const clock = runClock(options);
    const started = clock.now();
    const environment = startEnvironment(options, clock);
    const packaging = packageHandlers(options, clock, started);
    await using env = await environment;
    checkAborted(options.signal);
    const stack = await provisionStack(env, options);
    await using functions = await startFunctions(env, stack, options, clock, packaging);
    await using triggers = await startTriggers(env, stack, functions, options, clock);
    using sampler = new ProgressSampler(clock, { env, stack, triggers, onProgress: options.onProgress });

    using meter = startHeadroomMeter(() => awake?.cpuSeconds() ?? 0);
    const driven = await driveInput({ env, stack, triggers, sampler }, options, clock);
    const headroom = { ...meter.stop(), coresKeptAwake: awake?.mode ?? ("off" as const) };
    options.bench?.onDrained?.();
    sampler.finish();
    const measured = { mapping: triggers.mapping.stats(), splitter: functions.splitter.stats(), writer: functions.writer.stats(), concurrency: concurrencySection(functions, stack) };
    await triggers.mapping.stop();
    await triggers.s3Source.stop();
    const flowed: RunMeasurements = { ...measured, splitterResults: triggers.splitterResults, timeline: sampler.timeline, timelineStartMs: sampler.startedAt };

    const begin = clock.now();
    const checked = await verifyRun(env, stack, driven.expected);
    const verifySeconds = (clock.now() - begin) / 1000;
    const s3Ceiling = options.measureS3Ceiling === false ? undefined : await measureCeiling(env, stack, driven.expected, options.region);
    const seconds = { standIns: env.standInsSeconds ?? 0, package: functions.packageSeconds, ...driven.seconds, verify: verifySeconds, total: (clock.now() - started) / 1000 };
    // Read last, after verification: by then every sandbox's output of the run has come in.
    const metrics = functions.emf.totals();
    return buildReport({ run: options, env, stack, expected: driven.expected, ...checked, seconds, measured: flowed, s3Ceiling, ...timeScalesOf(clock, sampler.startedAt), headroom, metrics });
}

/** The K the run started at and, when it stepped down after the cold starts, the K it settled at and when (seconds on the timeline). */
function timeScalesOf(clock: Clock, timelineStartMs: number): { timeScale: number; timeScaleSettled?: { timeScale: number; atSeconds: number } } {
    if (!(clock instanceof ScaledClock) || clock.scales.length < 2) return { timeScale: clock.scale };
    const [first, ...later] = clock.scales;
    const last = later[later.length - 1];
    return { timeScale: first.scale, timeScaleSettled: { timeScale: last.scale, atSeconds: (last.fromMs - timelineStartMs) / 1000 } };
}

/** The run's clock: the one given, or real time dilated by `timeScale`. */
function runClock(options: RunOptions): Clock {
    if (options.clock) return options.clock;
    const scale = options.timeScale ?? 1;
    return scale === 1 ? realClock : new ScaledClock(scale);
}

/** The fifth phase: reads the dead-letter queue and checks every expected object against the output bucket. */
async function verifyRun(env: RunEnvironment, stack: RunStack, expected: ExpectedOutput) {
    const { resources } = stack;
    // With an S3 on-failure destination, the failed batches (with their records) are in the failure bucket.
    // The reads overlap the bucket's listing; the queue is read without hiding it afterwards, so
    // `npm run dead-letters` may look at it right after the run.
    const deadLettersRead = Promise.all([
        readDeadLetters({ sqs: env.clients.sqs, s3: env.clients.s3, queueUrl: resources.deadLetterQueueUrl }),
        resources.failureBucketInUse ? readFailedBatches(env.clients.s3, resources.failureBucketInUse) : [],
    ]).then(([queued, failedBatches]) =>
        classifyDeadLetters([
            ...queued.map((letter) => (letter.body === undefined ? "" : JSON.stringify(letter.body))),
            ...failedBatches.map((batch) => JSON.stringify(batch.document)),
        ]),
    );
    const verification = await verifyOutput({
        s3: env.clients.s3,
        kinesis: env.clients.kinesis,
        outputBucket: resources.outputBucket,
        streamName: resources.streamName,
        sourceKey: stack.inputKey,
        expected,
        deadLetters: deadLettersRead,
    });
    return { deadLetters: await deadLettersRead, verification };
}

/** The S3 endpoint's own PutObject rate, without the AWS profile's added latency or the fault proxy. */
async function measureCeiling(env: RunEnvironment, stack: RunStack, expected: ExpectedOutput, region: string): Promise<S3PutRate> {
    const { resources, settings } = stack;
    const rawS3 = ceilingClient(region, env.rawS3Endpoint);
    try {
        return await measureS3PutRate(rawS3, `${resources.outputBucket}-ceiling`, {
            objects: Math.min(expected.records, 2500),
            warmUpObjects: Math.min(expected.records, 1000),
            bytes: Math.max(1, Math.round(expected.inputBytes / Math.max(1, expected.records))),
            concurrency: settings.writerConcurrency * writerLanes(settings, resources.shardCount),
        });
    } finally {
        rawS3.destroy();
    }
}
