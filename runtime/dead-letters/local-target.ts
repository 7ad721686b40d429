import type { KinesisClient } from "@aws-sdk/client-kinesis";
import { realClock } from "../clock";
import { startStandIns } from "../standins/stand-ins";
import { CleanupStack } from "../support/cleanup-stack";
import type { FanoutSettings } from "../../settings/parse";
import { createAwsClients, destroyAwsClients } from "../pipeline/aws-clients";
import { provisionResources, type ProvisionedResources } from "../pipeline/provision";
import type { RunEnvironment } from "../pipeline/run-environment";
import { startFunctions } from "../pipeline/run-functions";
import type { RunOptions } from "../pipeline/run-options";
import type { RunStack } from "../pipeline/run-stack";
import { startTriggers } from "../pipeline/run-triggers";
import type { DeadLetterLocation } from "./dead-letter-store";
import type { InvokeOutcome, RedriveTarget } from "./redrive-target";
import { readObjectLine, readStreamRange } from "./stream-range";
import type { InvocationResult } from "../lambda/function-pool";

/**
 * The stack of a local run kept with `npm start -- --state DIR`: the stand-ins started again on
 * that folder's data, the stack's resources (already there), and, for a redrive, the two
 * functions in sandboxes with the code `pulumi up` uploads, behind the same triggers as a run
 * (the event source mapping continues from the run's checkpoint). The run's phases are reused
 * (runtime/pipeline/): nothing here is a second implementation of them.
 */
export interface LocalStack extends AsyncDisposable {
    location: DeadLetterLocation;
    resources: ProvisionedResources;
    kinesis: KinesisClient;
    /** Starts the functions and triggers; only a redrive needs them. */
    target(): Promise<RedriveTarget>;
}

export async function openLocalStack(options: { stateDir: string; stack: string; settings: FanoutSettings; region: string; resourcePrefix?: string }): Promise<LocalStack> {
    await using cleanup = new CleanupStack();
    const clock = realClock;
    const standIns = cleanup.adopt(await startStandIns({ stateDir: options.stateDir }), (started) => started.stop());
    const endpoints = standIns.endpoints;
    const clients = cleanup.adopt(createAwsClients(options.region, endpoints), destroyAwsClients);
    const resources = await provisionResources(clients, options.stack, options.settings, options.resourcePrefix);
    const env: RunEnvironment = { clients, endpoints, external: {}, rawS3Endpoint: endpoints.s3, [Symbol.asyncDispose]: async () => undefined };
    const stack: RunStack = {
        settings: options.settings,
        resources,
        inputKey: "",
        // The input is there and split: the notification must not deliver it again.
        inputPlan: { upload: false, redeliverSplit: false, sha256: "" } as RunStack["inputPlan"],
        functionArn: (functionName) => `arn:aws:lambda:${options.region}:000000000000:function:${functionName}`,
    };
    const runOptions = { stack: options.stack, settings: options.settings, region: options.region, restart: { stateDir: options.stateDir } } as unknown as RunOptions;
    const location: DeadLetterLocation = { sqs: clients.sqs, s3: clients.s3, queueUrl: resources.deadLetterQueueUrl, failureBucket: resources.failureBucket };

    const later = new CleanupStack();
    cleanup.adopt(later, (stack) => stack[Symbol.asyncDispose]());
    const target = async (): Promise<RedriveTarget> => {
        const functions = later.adopt(await startFunctions(env, stack, runOptions, clock), (started) => started[Symbol.asyncDispose]());
        const triggers = later.adopt(await startTriggers(env, stack, functions, runOptions, clock), (started) => started[Symbol.asyncDispose]());
        const identity = { region: options.region, invokeIdentityArn: `arn:aws:iam::000000000000:role/${resources.writerFunction}-role` };
        return {
            invokeSplitter: async (event) => outcome(await functions.splitter.invoke(event)),
            invokeWriter: async (event) => outcome(await functions.writer.invoke(event)),
            readStreamRange: (range) => readStreamRange(clients.kinesis, range, identity),
            readSourceLine: (bucket, key, line) => readObjectLine(clients.s3, bucket, key, line),
            settle: async () => {
                while (!triggers.splitterIdle()) await clock.sleep(100);
                await triggers.mapping.drained();
            },
            [Symbol.asyncDispose]: async () => undefined,
        };
    };
    const owned = cleanup.move();
    return { location, resources, kinesis: clients.kinesis, target, [Symbol.asyncDispose]: () => owned[Symbol.asyncDispose]() };
}

/** A writer's partial batch response counts as a failure: some record was not written. */
export function outcome(result: InvocationResult): InvokeOutcome {
    if (!result.ok) return { ok: false, requestId: result.requestId, error: `${result.errorType}: ${result.errorMessage}` };
    const failures = (result.payload as { batchItemFailures?: unknown[] } | undefined)?.batchItemFailures;
    if (Array.isArray(failures) && failures.length > 0) return { ok: false, requestId: result.requestId, error: `${failures.length} batch item failure(s)` };
    return { ok: true, requestId: result.requestId };
}
