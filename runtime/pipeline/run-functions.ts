import { createSplitterHandler } from "../../handlers/splitter";
import { createWriterHandler } from "../../handlers/writer";
import { splitterEnvironment, writerEnvironment } from "../../handlers/shared/environment";
import type { Clock } from "../clock";
import { writerLanes } from "../../settings/parse";
import type { CpuShareChoice } from "../lambda/cpu-share";
import { FunctionPool, type InvocationFaults } from "../lambda/function-pool";
import { LambdaInvokeApi } from "../lambda/invoke-api";
import { serializeHandler, type SerializedHandler } from "../lambda/serialize-handler";
import { CleanupStack } from "../support/cleanup-stack";
import { endpointEnvironment, executionRoleCredentials } from "./aws-clients";
import type { RunEnvironment } from "./run-environment";
import type { RunOptions } from "./run-options";
import type { RunStack } from "./run-stack";

/**
 * The second phase of a run: the two functions, in local sandboxes, with the code `pulumi up`
 * would upload, and Lambda's Invoke API for the splitter's asynchronous self-invoke that carries
 * a file past its timeout. Disposing it closes them.
 */
export interface RunFunctions extends AsyncDisposable {
    splitter: FunctionPool;
    writer: FunctionPool;
    invokeApi: LambdaInvokeApi;
    /** Seconds it took to serialize the handlers. */
    packageSeconds: number;
}

export async function startFunctions(env: RunEnvironment, stack: RunStack, options: RunOptions, clock: Clock): Promise<RunFunctions> {
    await using cleanup = new CleanupStack();
    const begin = clock.now();
    const [splitterCode, writerCode] = await Promise.all([
        serializeHandler(options.bench?.functions?.splitter ?? createSplitterHandler),
        serializeHandler(options.bench?.functions?.writer ?? createWriterHandler),
    ]);
    const packageSeconds = (clock.now() - begin) / 1000;
    const lambdaEndpoints = {
        ...endpointEnvironment(env.faults ? env.faults.functionEndpoints(env.endpoints) : env.endpoints),
        ...(await executionRoleCredentials(env.clients, env.endpoints)),
    };
    const invokeApi = cleanup.adopt(await LambdaInvokeApi.start({ region: options.region }), (api) => api.close());
    const cpuShare = options.cpuShare ?? (options.awsProfile ? "auto" : "off");
    const base = { stack, region: options.region, clock, cpuShare };
    const splitterEnv = { ...lambdaEndpoints, AWS_ENDPOINT_URL_LAMBDA: invokeApi.endpoint };
    const splitter = cleanup.adopt(splitterPool({ ...base, code: splitterCode, environment: splitterEnv }), (pool) => pool.close());
    const writer = cleanup.adopt(writerPool({ ...base, code: writerCode, environment: lambdaEndpoints }, env.faults?.crashes), (pool) => pool.close());
    stopSplitterOnAbort(splitter, options.signal, cleanup);
    const owned = cleanup.move();
    return { splitter, writer, invokeApi, packageSeconds, [Symbol.asyncDispose]: () => owned[Symbol.asyncDispose]() };
}

/** What both functions are built from: their code, the services' endpoints and credentials, the stack. */
interface PoolParts {
    stack: RunStack;
    region: string;
    clock: Clock;
    code: SerializedHandler;
    environment: Record<string, string>;
    cpuShare: CpuShareChoice;
}

function splitterPool({ stack, region, clock, code, environment, cpuShare }: PoolParts): FunctionPool {
    const { resources, settings } = stack;
    return new FunctionPool({
        functionName: resources.splitterFunction,
        handler: code,
        environment: {
            ...splitterEnvironment({ streamName: resources.streamName, deadLetterQueueUrl: resources.deadLetterQueueUrl, partitionKey: settings.partitionKey }),
            ...environment,
        },
        memoryMb: settings.splitterMemoryMb,
        timeoutSeconds: settings.splitterTimeoutSeconds,
        region,
    }, { clock, cpuShare });
}

/** The writer, at the mapping's most concurrent batches (shards × parallelization), with the crash plug-in under --crash-rate. */
function writerPool({ stack, region, clock, code, environment, cpuShare }: PoolParts, crashes: InvocationFaults | undefined): FunctionPool {
    const { resources, settings } = stack;
    const { outputBucket, deadLetterQueueUrl } = resources;
    return new FunctionPool({
        functionName: resources.writerFunction,
        handler: code,
        environment: {
            ...writerEnvironment({ outputBucket, deadLetterQueueUrl, outputKeyTemplate: settings.outputKeyTemplate, writerConcurrency: settings.writerConcurrency }),
            ...environment,
        },
        memoryMb: settings.writerMemoryMb,
        timeoutSeconds: settings.writerTimeoutSeconds,
        region,
        reservedConcurrency: writerLanes(settings, resources.shardCount),
    }, { faults: crashes, clock, cpuShare });
}

/** Ctrl-C: stop the splitter at once rather than wait for it to finish the file (the next run redelivers its event). */
function stopSplitterOnAbort(splitter: FunctionPool, signal: AbortSignal | undefined, cleanup: CleanupStack): void {
    if (!signal) return;
    const stop = () => void splitter.close();
    signal.addEventListener("abort", stop, { once: true });
    cleanup.adopt(signal, (watched) => watched.removeEventListener("abort", stop));
}
