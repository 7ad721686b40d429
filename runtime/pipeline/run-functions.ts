import { createSplitterHandler } from "../../handlers/splitter";
import { createWriterHandler } from "../../handlers/writer";
import { splitterEnvironment, writerEnvironment } from "../../handlers/shared/environment";
import { ScaledClock, type Clock } from "../clock";
import { stepAfterColdStarts } from "../time-scale/step-after-cold-starts";
import { writerLanes } from "../../settings/parse";
import { AccountConcurrency, type ConcurrencyGate } from "../lambda/concurrency-limit";
import type { CpuShareChoice } from "../lambda/cpu-share";
import { createEmfCollector, type EmfCollector } from "../lambda/emf-metrics";
import { FunctionPool, type InvocationFaults } from "../lambda/function-pool";
import { LambdaInvokeApi } from "../lambda/invoke-api";
import { serializeHandler, type SerializedHandler } from "../lambda/serialize-handler";
import { S3ConditionalWrites } from "../standins/s3-conditional-writes";
import { CleanupStack } from "../support/cleanup-stack";
import { endpointEnvironment, executionRoleCredentials } from "./aws-clients";
import type { RunEnvironment } from "./run-environment";
import type { RunOptions } from "./run-options";
import type { ConcurrencySection } from "./run-report";
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
    /** The account's concurrency both functions draw on; it counts their throttles. */
    concurrency: AccountConcurrency;
    /** The handlers' metrics, read from the EMF documents in both functions' output, as CloudWatch Logs would. */
    emf: EmfCollector;
    /** Seconds from the start of packaging (the run's start, when it overlaps the stand-ins' start) until the handlers were serialized. */
    packageSeconds: number;
}

/** The two functions' deploy artifacts, and the seconds the run had been going when they were ready. */
export interface PackagedHandlers {
    splitterCode: SerializedHandler;
    writerCode: SerializedHandler;
    packageSeconds: number;
}

/**
 * Serializes both handlers, as `pulumi up` would. It is this process's CPU, so a run starts it
 * right after forking the stand-ins (child processes) and awaits it in `startFunctions`.
 */
export function packageHandlers(options: RunOptions, clock: Clock, started = clock.now()): Promise<PackagedHandlers> {
    const packaged = new Promise((resolve) => setImmediate(resolve))
        .then(() => Promise.all([
            serializeHandler(options.bench?.functions?.splitter ?? createSplitterHandler),
            serializeHandler(options.bench?.functions?.writer ?? createWriterHandler),
        ]))
        .then(([splitterCode, writerCode]) => ({ splitterCode, writerCode, packageSeconds: (clock.now() - started) / 1000 }));
    packaged.catch(() => undefined);
    return packaged;
}

export async function startFunctions(env: RunEnvironment, stack: RunStack, options: RunOptions, clock: Clock, packaging?: Promise<PackagedHandlers>): Promise<RunFunctions> {
    await using cleanup = new CleanupStack();
    const { splitterCode, writerCode, packageSeconds } = await (packaging ?? packageHandlers(options, clock));
    const functionEndpoints = env.faults ? env.faults.functionEndpoints(env.endpoints) : env.endpoints;
    const lambdaEndpoints = {
        ...endpointEnvironment(functionEndpoints),
        ...(await executionRoleCredentials(env.clients, env.endpoints)),
    };
    const invokeApi = cleanup.adopt(await LambdaInvokeApi.start({ region: options.region }), (api) => api.close());
    const concurrency = new AccountConcurrency(options.accountConcurrency);
    const writerReserved = stack.settings.writerReservedConcurrency === -1 ? undefined : stack.settings.writerReservedConcurrency;
    const writerGate = concurrency.register(stack.resources.writerFunction, writerReserved);
    const cpuShare = options.cpuShare ?? (options.awsProfile ? "auto" : "off");
    const emf = createEmfCollector();
    const base = { stack, region: options.region, clock, cpuShare, emf };
    const splitterEnv = { ...lambdaEndpoints, AWS_ENDPOINT_URL_LAMBDA: invokeApi.endpoint, ...(await conditionalWritesFront(functionEndpoints.s3, cleanup)) };
    const splitter = cleanup.adopt(splitterPool({ ...base, code: splitterCode, environment: splitterEnv, gate: concurrency.register(stack.resources.splitterFunction) }), (pool) => pool.close());
    const writer = cleanup.adopt(writerPool({ ...base, code: writerCode, environment: lambdaEndpoints, gate: writerGate }, env.faults?.crashes), (pool) => pool.close());
    stopSplitterOnAbort(splitter, options.signal, cleanup);
    if (options.timeScaleAfterColdStarts && clock instanceof ScaledClock) stepAfterColdStarts(clock, writer, options.timeScaleAfterColdStarts);
    const owned = cleanup.move();
    return { splitter, writer, invokeApi, concurrency, emf, packageSeconds, [Symbol.asyncDispose]: () => owned[Symbol.asyncDispose]() };
}

/** The account's concurrency, the writer's reservation and both functions' throttles, for the report. */
export function concurrencySection(functions: RunFunctions, stack: RunStack): ConcurrencySection {
    const throttles = functions.concurrency.throttles();
    const { writerReservedConcurrency } = stack.settings;
    return {
        account: functions.concurrency.limit,
        writerReserved: writerReservedConcurrency === -1 ? null : writerReservedConcurrency,
        throttles: { splitter: throttles[stack.resources.splitterFunction] ?? 0, writer: throttles[stack.resources.writerFunction] ?? 0 },
    };
}

/** What both functions are built from: their code, the services' endpoints and credentials, the stack. */
interface PoolParts {
    stack: RunStack;
    region: string;
    clock: Clock;
    code: SerializedHandler;
    environment: Record<string, string>;
    /** The function's share of the account's concurrency. */
    gate: ConcurrencyGate;
    cpuShare: CpuShareChoice;
    /** Reads the metrics out of the sandboxes' output (their logs are otherwise discarded). */
    emf: EmfCollector;
}

function splitterPool({ stack, region, clock, code, environment, gate, cpuShare, emf }: PoolParts): FunctionPool {
    const { resources, settings } = stack;
    return new FunctionPool({
        functionName: resources.splitterFunction,
        handler: code,
        environment: {
            ...splitterEnvironment({
                streamName: resources.streamName,
                deadLetterQueueUrl: resources.deadLetterQueueUrl,
                partitionKey: settings.partitionKey,
                maxChainInvocations: settings.splitterMaxChainInvocations,
                handOffClaimBucket: resources.outputBucket,
                pipelineName: resources.pipelineName,
            }),
            ...environment,
        },
        memoryMb: settings.splitterMemoryMb,
        timeoutSeconds: settings.splitterTimeoutSeconds,
        region,
    }, { clock, timeScale: clock.scale, concurrency: gate, cpuShare, onLog: emf.write });
}

/** The writer, at the mapping's most concurrent batches (shards × parallelization), with the crash plug-in under --crash-rate. */
function writerPool({ stack, region, clock, code, environment, gate, cpuShare, emf }: PoolParts, crashes: InvocationFaults | undefined): FunctionPool {
    const { resources, settings } = stack;
    const { outputBucket, deadLetterQueueUrl, pipelineName } = resources;
    return new FunctionPool({
        functionName: resources.writerFunction,
        handler: code,
        environment: {
            ...writerEnvironment({ outputBucket, deadLetterQueueUrl, outputKeyTemplate: settings.outputKeyTemplate, writerConcurrency: settings.writerConcurrency, pipelineName }),
            ...environment,
        },
        memoryMb: settings.writerMemoryMb,
        timeoutSeconds: settings.writerTimeoutSeconds,
        region,
        reservedConcurrency: writerLanes(settings, resources.shardCount),
    }, { faults: crashes, clock, timeScale: clock.scale, concurrency: gate, cpuShare, onLog: emf.write });
}

/**
 * fauxqs ignores If-None-Match on PutObject: the splitter (the only conditional writer, for its
 * hand-off claims) reaches S3 through a front that honours it; the writers go straight on.
 */
async function conditionalWritesFront(s3Endpoint: string | undefined, cleanup: CleanupStack): Promise<Record<string, string>> {
    if (!s3Endpoint) return {};
    const front = cleanup.adopt(await S3ConditionalWrites.start(s3Endpoint), (started) => started.close());
    return { AWS_ENDPOINT_URL_S3: front.endpoint };
}

/** Ctrl-C: stop the splitter at once rather than wait for it to finish the file (the next run redelivers its event). */
function stopSplitterOnAbort(splitter: FunctionPool, signal: AbortSignal | undefined, cleanup: CleanupStack): void {
    if (!signal) return;
    const stop = () => void splitter.close();
    signal.addEventListener("abort", stop, { once: true });
    cleanup.adopt(signal, (watched) => watched.removeEventListener("abort", stop));
}
