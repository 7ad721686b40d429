import { SPLITTER_RECURSIVE_LOOP } from "../../handlers/splitter/continuation";
import { notificationFilterValue } from "../../handlers/shared/s3-key-encoding";
import type { Clock } from "../clock";
import { JsonFileCheckpointStore } from "../event-sources/checkpoint-store";
import { KinesisEventSourceMapping } from "../event-sources/kinesis-event-source-mapping";
import { localMappingUuid, s3OnFailureDestination } from "../event-sources/on-failure-destination";
import { S3ObjectCreatedSource } from "../event-sources/s3-object-created";
import { AsyncInvocationQueue } from "../lambda/async-invocation-queue";
import { isThrottled } from "../lambda/concurrency-limit";
import type { FunctionPool, InvocationMeta, InvocationResult } from "../lambda/function-pool";
import { checkpointPath } from "../restart/run-manifest";
import { CleanupStack } from "../support/cleanup-stack";
import type { RunEnvironment } from "./run-environment";
import type { RunFunctions } from "./run-functions";
import type { RunOptions } from "./run-options";
import type { RunStack } from "./run-stack";

/**
 * The third phase of a run: what invokes the functions. The input bucket's notification and the
 * splitter's continuations (Invoke with InvocationType Event) invoke the splitter, with Lambda's
 * async retries and on-failure destination; the event source mapping invokes the writer.
 * Disposing it stops them.
 */
export interface RunTriggers extends AsyncDisposable {
    s3Source: S3ObjectCreatedSource;
    mapping: KinesisEventSourceMapping;
    /** Every splitter invocation the two async paths made, in the order they ended. */
    splitterResults: InvocationResult[];
    /** No splitter event is waiting, running or due for a retry. */
    splitterIdle(): boolean;
}

export async function startTriggers(env: RunEnvironment, stack: RunStack, functions: RunFunctions, options: RunOptions, clock: Clock): Promise<RunTriggers> {
    await using cleanup = new CleanupStack();
    const { resources } = stack;
    const splitterArn = stack.functionArn(resources.splitterFunction);
    const splitterResults: InvocationResult[] = [];
    const invokeSplitter = recordingInvoke(functions.splitter, splitterResults);
    const asyncPath = {
        functionArn: splitterArn,
        retryDelaysMs: options.asyncRetryDelaysMs,
        onFailureQueueUrl: resources.deadLetterQueueUrl,
        sqs: env.clients.sqs,
        clock,
        duplicates: env.faults?.duplicateAsync,
    };
    const continuations = cleanup.adopt(new AsyncInvocationQueue({ ...asyncPath, invoke: invokeSplitter, recursiveLoop: SPLITTER_RECURSIVE_LOOP }), (queue) => queue.stop());
    functions.invokeApi.register({
        functionName: resources.splitterFunction,
        functionArn: splitterArn,
        invoke: (event, meta) => functions.splitter.invoke(event, meta),
        asyncQueue: continuations,
        recursiveLoop: SPLITTER_RECURSIVE_LOOP,
    });
    const s3Source = new S3ObjectCreatedSource({
        ...asyncPath,
        s3: env.clients.s3,
        bucket: resources.inputBucket,
        // S3 matches the notification's filter, URL-encoded as the component writes it, against the encoded key.
        prefix: notificationFilterValue(stack.settings.inputPrefix) ?? "",
        suffix: notificationFilterValue(stack.settings.inputSuffix) ?? "",
        region: options.region,
        redeliverKeys: stack.inputPlan.redeliverSplit ? [stack.inputKey] : undefined,
        invoke: invokeSplitter,
    });
    const mapping = writerMapping(env, stack, functions.writer, options, clock);
    cleanup.adopt(s3Source, (source) => source.stop()).start();
    await cleanup.adopt(mapping, (started) => started.stop()).start();
    const owned = cleanup.move();
    return {
        s3Source,
        mapping,
        splitterResults,
        // A continuation is queued before the invocation that hands off returns, so the two are never idle at once mid-file.
        splitterIdle: () => s3Source.idle() && continuations.idle(),
        [Symbol.asyncDispose]: () => owned[Symbol.asyncDispose](),
    };
}

/** Invokes the function and keeps its result (a throttle is not a result: the event runs later). */
function recordingInvoke(fn: FunctionPool, results: InvocationResult[]): (event: unknown, meta?: InvocationMeta) => Promise<InvocationResult> {
    return async (event, meta) => {
        const result = await fn.invoke(event, meta);
        if (!isThrottled(result)) results.push(result);
        return result;
    };
}

function writerMapping(env: RunEnvironment, stack: RunStack, writer: FunctionPool, options: RunOptions, clock: Clock): KinesisEventSourceMapping {
    const { resources, settings } = stack;
    const stateDir = options.restart?.stateDir;
    const functionArn = stack.functionArn(resources.writerFunction);
    const failureBucket = resources.failureBucketInUse;
    return new KinesisEventSourceMapping({
        kinesis: env.clients.kinesis,
        sqs: env.clients.sqs,
        streamName: resources.streamName,
        streamArn: resources.streamArn,
        functionArn,
        region: options.region,
        settings: { ...settings, reportBatchItemFailures: true },
        invoke: (event) => writer.invoke(event),
        onFailureQueueUrl: resources.deadLetterQueueUrl,
        onFailure: failureBucket ? s3OnFailureDestination(env.clients.s3, failureBucket, localMappingUuid(functionArn, resources.streamArn)) : undefined,
        checkpoints: stateDir ? new JsonFileCheckpointStore(checkpointPath(stateDir, resources.streamName)) : undefined,
        redeliver: env.faults?.redeliver,
        clock,
        pollPhase: options.pollPhase ?? Math.random,
    });
}
