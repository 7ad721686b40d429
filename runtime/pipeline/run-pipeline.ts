import * as fs from "node:fs";
import * as path from "node:path";
import { Upload } from "@aws-sdk/lib-storage";
import { createSplitterHandler } from "../../handlers/splitter";
import { SPLITTER_RECURSIVE_LOOP } from "../../handlers/splitter/continuation";
import { createWriterHandler } from "../../handlers/writer";
import { splitterEnvironment, writerEnvironment } from "../../handlers/shared/environment";
import type { FanoutSettings } from "../../settings/parse";
import { startStandIns, type RunningStandIns } from "../standins/stand-ins";
import { startAwsProfile, type AwsProfileOptions, type AwsProfileProxy } from "../aws-profile";
import { serializeHandler } from "../lambda/serialize-handler";
import { FunctionPool, type InvocationResult } from "../lambda/function-pool";
import { AsyncInvocationQueue } from "../lambda/async-invocation-queue";
import { LambdaInvokeApi } from "../lambda/invoke-api";
import { S3ConditionalWrites } from "../standins/s3-conditional-writes";
import { S3ObjectCreatedSource } from "../event-sources/s3-object-created";
import { notificationFilterValue } from "../../handlers/shared/s3-key-encoding";
import { KinesisEventSourceMapping } from "../event-sources/kinesis-event-source-mapping";
import { createAwsClients, destroyAwsClients, endpointEnvironment, executionRoleCredentials, type ServiceEndpoints } from "./aws-clients";
import { provisionResources } from "./provision";
import { expectedOutput } from "./expected-output";
import { approximateMessages, readAllMessages } from "./dead-letter-queue";
import { classifyDeadLetters, verifyOutput } from "./verify-output";
import { measureS3PutRate, type S3PutRate } from "./s3-put-rate";
import type { ProgressSnapshot, RunReport, TimelinePoint } from "./run-report";
import { buildReport } from "./build-report";
import { JsonFileCheckpointStore } from "../event-sources/checkpoint-store";
import { startRunFaults, type RunFaults } from "../faults/run-faults";
import type { FaultOptions } from "../faults/fault-options";
import { planInput } from "../restart/resume-plan";
import { checkpointPath } from "../restart/run-manifest";
import { INTERRUPTED } from "./interrupted";

/**
 * Runs one stack's configuration end to end: provisions its resources, runs the same Lambda code
 * `pulumi up` would upload in local sandboxes behind AWS-shaped triggers, uploads the input,
 * waits for the stream to drain and verifies the output against the input.
 */
export interface RunOptions {
    stack: string;
    settings: FanoutSettings;
    region: string;
    /** The local file to upload, and its name in the input bucket (prefix and suffix are added as the stack needs). */
    inputFile: string;
    inputName: string;
    /** Services already running; an absent one is started embedded. */
    endpoints?: ServiceEndpoints;
    /** Folder for the stand-ins' data and the mapping's checkpoints. */
    stateDir?: string;
    /** Measure the S3 PutObject ceiling after the run (default true). */
    measureS3Ceiling?: boolean;
    /** Called about once a second while records flow. */
    onProgress?: (snapshot: ProgressSnapshot) => void;
    signal?: AbortSignal;
    /** Lambda async retry delays, AWS's [60 s, 120 s] by default. */
    asyncRetryDelaysMs?: number[];
    /** Put AWS's per-shard limits and calibrated latencies in front of Kinesis and S3. */
    awsProfile?: AwsProfileOptions;
    /**
     * Other function code to run instead of the project's handlers, for benchmarks such as the
     * seed article's own setup. Default: the factories the Pulumi components deploy.
     */
    functions?: { splitter?: () => unknown; writer?: () => unknown };
    /** Prefix of the resources' names (default kinesis-fanout); bucket names are global on AWS. */
    resourcePrefix?: string;
    /** Called once the stream has drained, before verification: for measurements of the pipeline alone. */
    onDrained?: () => void;
    /** Faults to inject (issue 5): failed puts and writes, writer crashes, duplicate batches. Poison is in the input file. */
    faults?: FaultOptions;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function inputKeyFor(settings: FanoutSettings, name: string): string {
    const base = path.basename(name);
    return `${settings.inputPrefix}${base}${base.endsWith(settings.inputSuffix) ? "" : settings.inputSuffix}`;
}

function checkAborted(signal?: AbortSignal): void {
    if (signal?.aborted) throw new Error(INTERRUPTED);
}

async function waitFor(condition: () => boolean, signal: AbortSignal | undefined, tick: () => void): Promise<void> {
    while (!condition()) {
        checkAborted(signal);
        tick();
        await sleep(50);
    }
}

export async function runPipeline(options: RunOptions): Promise<RunReport> {
    const cleanups: Array<() => Promise<void> | void> = [];
    const started = Date.now();
    const seconds: Record<string, number> = {};
    try {
        const external = options.endpoints ?? {};
        let standIns: RunningStandIns | undefined;
        if (!external.s3 || !external.sqs || !external.kinesis) {
            const begin = Date.now();
            standIns = await startStandIns({ stateDir: options.stateDir });
            cleanups.push(() => standIns!.stop());
            seconds.standIns = (Date.now() - begin) / 1000;
        }
        const endpoints: ServiceEndpoints = {
            s3: external.s3 ?? standIns?.endpoints.s3,
            sqs: external.sqs ?? standIns?.endpoints.sqs,
            kinesis: external.kinesis ?? standIns?.endpoints.kinesis,
        };
        let profile: AwsProfileProxy | undefined;
        if (options.awsProfile) {
            profile = await startAwsProfile({ kinesis: endpoints.kinesis!, s3: endpoints.s3! }, options.awsProfile);
            cleanups.push(() => profile!.close());
            endpoints.kinesis = profile.kinesisEndpoint;
            endpoints.s3 = profile.s3Endpoint;
        }
        let faults: RunFaults | undefined;
        if (options.faults) {
            faults = await startRunFaults(options.faults, endpoints);
            cleanups.push(() => faults!.close());
        }
        checkAborted(options.signal);
        const { settings } = options;
        const clients = createAwsClients(options.region, endpoints);
        cleanups.push(() => destroyAwsClients(clients));
        const resources = await provisionResources(clients, options.stack, settings, options.resourcePrefix);
        const inputKey = inputKeyFor(settings, options.inputName);
        // With --state, an earlier run's manifest says whether the input is already there and split.
        const inputPlan = await planInput(clients.s3, options.stateDir, { bucket: resources.inputBucket, key: inputKey, file: options.inputFile });

        let begin = Date.now();
        const [splitterCode, writerCode] = await Promise.all([serializeHandler(options.functions?.splitter ?? createSplitterHandler),
            serializeHandler(options.functions?.writer ?? createWriterHandler),
        ]);
        seconds.package = (Date.now() - begin) / 1000;

        const functionEndpoints = faults ? faults.functionEndpoints(endpoints) : endpoints;
        // fauxqs ignores If-None-Match on PutObject: the splitter (the only conditional writer, for its
        // hand-off claims) reaches S3 through a front that honours it; the writers go straight on.
        const conditionalS3: Record<string, string> = {};
        if (functionEndpoints.s3) {
            const conditionalWrites = await S3ConditionalWrites.start(functionEndpoints.s3);
            cleanups.push(() => conditionalWrites.close());
            conditionalS3.AWS_ENDPOINT_URL_S3 = conditionalWrites.endpoint;
        }
        const lambdaEndpoints = {
            ...endpointEnvironment(functionEndpoints),
            ...(await executionRoleCredentials(clients, endpoints)),
        };
        const functionArn = (name: string) => `arn:aws:lambda:${options.region}:000000000000:function:${name}`;
        // Lambda's Invoke API, for the splitter's asynchronous self-invoke that carries a file past its timeout.
        const invokeApi = await LambdaInvokeApi.start({ region: options.region });
        cleanups.push(() => invokeApi.close());
        const splitter = new FunctionPool({
            functionName: resources.splitterFunction,
            handler: splitterCode,
            environment: {
                ...splitterEnvironment({ streamName: resources.streamName, deadLetterQueueUrl: resources.deadLetterQueueUrl, partitionKey: settings.partitionKey, maxChainInvocations: settings.splitterMaxChainInvocations, handOffClaimBucket: resources.outputBucket }),
                ...lambdaEndpoints,
                AWS_ENDPOINT_URL_LAMBDA: invokeApi.endpoint,
                ...conditionalS3,
            },
            memoryMb: settings.splitterMemoryMb,
            timeoutSeconds: settings.splitterTimeoutSeconds,
            region: options.region,
        });
        cleanups.push(() => splitter.close());
        const writer = new FunctionPool({
            functionName: resources.writerFunction,
            handler: writerCode,
            environment: {
                ...writerEnvironment({
                    outputBucket: resources.outputBucket,
                    deadLetterQueueUrl: resources.deadLetterQueueUrl,
                    outputKeyTemplate: settings.outputKeyTemplate,
                    writerConcurrency: settings.writerConcurrency,
                }),
                ...lambdaEndpoints,
            },
            memoryMb: settings.writerMemoryMb,
            timeoutSeconds: settings.writerTimeoutSeconds,
            region: options.region,
            reservedConcurrency: resources.shardCount * settings.parallelizationFactor,
        }, { crashes: faults?.crashes });
        cleanups.push(() => writer.close());
        // Ctrl-C: stop the splitter at once rather than wait for it to finish the file (the next run redelivers its event).
        const stopSplitter = () => void splitter.close();
        options.signal?.addEventListener("abort", stopSplitter, { once: true });
        cleanups.push(() => options.signal?.removeEventListener("abort", stopSplitter));

        const splitterResults: InvocationResult[] = [];
        const s3Source = new S3ObjectCreatedSource({
            s3: clients.s3,
            sqs: clients.sqs,
            bucket: resources.inputBucket,
            prefix: notificationFilterValue(settings.inputPrefix) ?? "",
            suffix: notificationFilterValue(settings.inputSuffix) ?? "",
            region: options.region,
            functionArn: functionArn(resources.splitterFunction),
            onFailureQueueUrl: resources.deadLetterQueueUrl,
            retryDelaysMs: options.asyncRetryDelaysMs,
            redeliverKeys: inputPlan.redeliverSplit ? [inputKey] : undefined,
            duplicates: faults?.duplicateAsync,
            invoke: async (event, meta) => {
                const result = await splitter.invoke(event, meta);
                splitterResults.push(result);
                return result;
            },
        });
        // The splitter's continuations (Invoke with InvocationType Event): the same async retries and on-failure destination.
        const splitterContinuations = new AsyncInvocationQueue({
            functionArn: functionArn(resources.splitterFunction),
            invoke: async (event, meta) => {
                const result = await splitter.invoke(event, meta);
                splitterResults.push(result);
                return result;
            },
            recursiveLoop: SPLITTER_RECURSIVE_LOOP,
            duplicates: faults?.duplicateAsync,
            retryDelaysMs: options.asyncRetryDelaysMs,
            onFailureQueueUrl: resources.deadLetterQueueUrl,
            sqs: clients.sqs,
        });
        cleanups.push(() => splitterContinuations.stop());
        invokeApi.register({
            functionName: resources.splitterFunction,
            functionArn: functionArn(resources.splitterFunction),
            invoke: (event, meta) => splitter.invoke(event, meta),
            asyncQueue: splitterContinuations,
            recursiveLoop: SPLITTER_RECURSIVE_LOOP,
        });
        // A continuation is queued before the invocation that hands off returns, so the two are never idle at once mid-file.
        const splitterIdle = () => s3Source.idle() && splitterContinuations.idle();
        const mapping = new KinesisEventSourceMapping({
            kinesis: clients.kinesis,
            sqs: clients.sqs,
            streamName: resources.streamName,
            streamArn: resources.streamArn,
            functionArn: functionArn(resources.writerFunction),
            region: options.region,
            settings: { ...settings, reportBatchItemFailures: true },
            invoke: (event) => writer.invoke(event),
            onFailureQueueUrl: resources.deadLetterQueueUrl,
            checkpoints: options.stateDir ? new JsonFileCheckpointStore(checkpointPath(options.stateDir, resources.streamName)) : undefined,
            redeliver: faults?.redeliver,
        });
        s3Source.start();
        cleanups.push(() => s3Source.stop());
        await mapping.start();
        cleanups.push(() => mapping.stop());

        const timeline: TimelinePoint[] = [];
        let deadLetteredApprox = 0;
        let lastTick = 0;
        // Known once the input has been read (the oracle runs after the upload); progress samples start before that.
        let expectedRecords = 0;
        const runStart = Date.now();
        const tick = () => {
            const now = Date.now();
            if (now - lastTick < 1000) return;
            lastTick = now;
            void approximateMessages(clients.sqs, resources.deadLetterQueueUrl)
                .then((count) => (deadLetteredApprox = count))
                .catch(() => undefined);
            const stats = mapping.stats();
            const point: TimelinePoint = {
                seconds: (now - runStart) / 1000,
                recordsInStream: stats.recordsReceived,
                recordsProcessed: stats.recordsFinished,
                recordsCheckpointed: stats.recordsCheckpointed,
                iteratorAgeMs: stats.iteratorAge.at(-1)?.ms ?? 0,
            };
            timeline.push(point);
            options.onProgress?.({
                ...point,
                records: expectedRecords,
                splitterDone: splitterIdle() && s3Source.stats().objectsSeen > 0,
                deadLettered: deadLetteredApprox,
                batchesInFlight: stats.batchesInFlight,
                maxIteratorAgeMs: stats.maxIteratorAgeMs,
            });
        };
        // Sample the timeline every second from the start, also while the oracle reads a large input.
        const ticker = setInterval(tick, 1000);
        cleanups.push(() => clearInterval(ticker));

        begin = Date.now();
        let inputEtag = inputPlan.etag;
        if (inputPlan.upload) {
            const uploaded = await new Upload({
                client: clients.s3,
                params: { Bucket: resources.inputBucket, Key: inputKey, Body: fs.createReadStream(options.inputFile), ContentType: "application/x-ndjson" },
            }).done();
            inputEtag = uploaded.ETag;
            inputPlan.record({ etag: uploaded.ETag });
        }
        seconds.upload = (Date.now() - begin) / 1000;

        const splitStart = Date.now();
        // Worked out after the upload: every record's envelope carries the object's ETag, which counts against the 1 MiB record limit.
        const expected = await expectedOutput(options.inputFile, {
            bucket: resources.inputBucket,
            key: inputKey,
            outputKeyTemplate: settings.outputKeyTemplate,
            partitionKey: settings.partitionKey,
            etag: inputEtag,
        });
        expectedRecords = expected.records;
        // A resumed run whose splitter had already finished waits for no event.
        const splitPending = inputPlan.upload || inputPlan.redeliverSplit;
        await waitFor(() => (!splitPending || s3Source.stats().objectsSeen > 0) && splitterIdle(), options.signal, tick);
        inputPlan.record({ splitDone: true });
        seconds.split = (Date.now() - splitStart) / 1000;
        let drained = false;
        void mapping.drained().then(() => (drained = true));
        await waitFor(() => drained, options.signal, tick);
        seconds.write = (Date.now() - splitStart) / 1000;
        seconds.pipeline = (Date.now() - runStart) / 1000;
        options.onDrained?.();
        clearInterval(ticker);
        lastTick = 0;
        tick();

        const mappingStats = mapping.stats();
        const splitterStats = splitter.stats();
        const writerStats = writer.stats();
        await mapping.stop();
        await s3Source.stop();
        const s3Stats = s3Source.stats();

        begin = Date.now();
        const deadLetters = classifyDeadLetters(await readAllMessages(clients.sqs, resources.deadLetterQueueUrl));
        const verification = await verifyOutput({
            s3: clients.s3,
            kinesis: clients.kinesis,
            outputBucket: resources.outputBucket,
            streamName: resources.streamName,
            sourceKey: inputKey,
            expected,
            deadLetters,
        });
        seconds.verify = (Date.now() - begin) / 1000;

        let s3Ceiling: S3PutRate | undefined;
        if (options.measureS3Ceiling !== false) {
            // The S3 endpoint itself, without the AWS profile's added latency or the fault proxy.
            const rawS3 = createAwsClients(options.region, { s3: external.s3 ?? standIns?.endpoints.s3 }).s3;
            cleanups.push(() => rawS3.destroy());
            s3Ceiling = await measureS3PutRate(rawS3, `${resources.outputBucket}-ceiling`, {
                objects: Math.min(expected.records, 5000),
                bytes: Math.max(1, Math.round(expected.inputBytes / Math.max(1, expected.records))),
                concurrency: settings.writerConcurrency * resources.shardCount * settings.parallelizationFactor,
            });
        }
        seconds.total = (Date.now() - started) / 1000;

        const report = buildReport({ options, resources, inputKey, expected, verification, deadLetters, seconds, timeline,
            splitterResults, splitterStats, writerStats, mappingStats, s3Stats, s3Ceiling, endpoints, external,
            profile: profile && { options: profile.options, stats: profile.stats() } });
        if (faults) report.faults = faults.report(writerStats, mappingStats);
        if (options.stateDir) {
            report.restart = { stateDir: options.stateDir, uploadSkipped: !inputPlan.upload, splitRedelivered: inputPlan.redeliverSplit, recordsReadThisRun: mappingStats.recordsReceived };
        }
        return report;
    } finally {
        for (const cleanup of cleanups.reverse()) {
            await Promise.resolve()
                .then(cleanup)
                .catch(() => undefined);
        }
    }
}
