import { randomBytes, randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { realClock, type Clock } from "../clock";
import { throttledResult, type ConcurrencyGate } from "./concurrency-limit";
import { CPU_ORDINALS, planCpuShare, rescaleCpuShare, type CpuShareChoice, type CpuSharePlan, type CpuShareStats } from "./cpu-share";
import { createLogSink, withTap, type LogDestination, type LogSink } from "./log-sink";
import { invocationTraceHeader } from "./recursion-detection";
import { Sandbox, SandboxInitError, type SandboxOutcome } from "./sandbox";
import { SandboxSlots, type SandboxSlot } from "./sandbox-slots";
import { checkFunctionEnvironment, sandboxEnvironment } from "./sandbox-environment";
import type { SerializedHandler } from "./serialize-handler";
import { AWS_LIMITS } from "../../settings/aws-limits";

/**
 * Lambda's execution model for one function: each concurrent invocation runs in its own sandbox
 * process; an idle sandbox is reused (a warm start), and a new one is started only when every
 * sandbox is busy (a cold start), up to the function's concurrency. Invocations beyond that wait
 * for a sandbox to free up, unless the pool has a ConcurrencyGate (concurrency-limit.ts): then
 * invocations beyond the account's or the function's concurrency are throttled, as on Lambda.
 */

export interface FunctionDefinition {
    functionName: string;
    handler: SerializedHandler;
    /** Function env vars + AWS_ENDPOINT_URL_* etc. Lambda's reserved names are rejected. */
    environment: Record<string, string>;
    /** Enforced as the V8 heap limit (--max-old-space-size). */
    memoryMb: number;
    /** A sandbox running past it is killed; that invocation fails with errorType "Sandbox.Timedout". */
    timeoutSeconds: number;
    region: string;
    /** Max concurrent sandboxes; default 1000 (the account default). */
    reservedConcurrency?: number;
    /** Shown in AWS_EXECUTION_ENV; default nodejs22.x. */
    runtime?: string;
    /** Account id in ARNs; default 000000000000. */
    accountId?: string;
}

export interface InvocationResult {
    requestId: string;
    /** false when the handler threw, timed out, crashed or ran out of memory. */
    ok: boolean;
    /** The handler's return value (after a JSON round trip) when ok. */
    payload?: unknown;
    errorType?: string;
    errorMessage?: string;
    stackTrace?: string[];
    durationMs: number;
    coldStart: boolean;
    /** Peak resident set size of the sandbox that ran it, as of its end (Lambda's "Max Memory Used"). */
    maxRssBytes?: number;
    /** CPU time the handler used in its sandbox, in ms, when the sandbox answered. */
    cpuMs?: number;
}

/** What an invocation carries besides its event (both optional). */
export interface InvocationMeta {
    /** Lambda's request id; an asynchronous event keeps one across its retries. Default: a new one. */
    requestId?: string;
    /** The X-Amzn-Trace-Id the event arrived with; the invocation continues its chain. */
    traceHeader?: string;
}

export interface FunctionPoolOptions {
    /** Where the module is written; default a new folder under os.tmpdir(), removed on close. */
    workDir?: string;
    /** Where the sandboxes' stdout/stderr go; default discarded. */
    logs?: LogDestination;
    /** Also handed every chunk of the sandboxes' stdout/stderr, wherever `logs` sends it (the run's EMF collector). */
    onLog?: (logStreamName: string, text: string) => void;
    /** Fault injection, such as sandboxes killed partway through invocations (runtime/faults/sandbox-crashes.ts). */
    faults?: InvocationFaults;
    /** Times timeouts and durations; default real time. */
    clock?: Clock;
    /** Time scale K: modelled durations take K times as long in wall time (default 1). A sandbox's CPU share is divided by it, and its handler's own timers wait K times as long. */
    timeScale?: number;
    /** The account's concurrency for this function (concurrency-limit.ts): beyond it an invocation is throttled, not queued. */
    concurrency?: ConcurrencyGate;
    /** Lambda's CPU share (memoryMb / 1,769 of a core, ÷ K; cpu-share.ts): `auto`, `cgroup`, `measured` or `off` (default). */
    cpuShare?: CpuShareChoice;
}

/** One finished invocation, in the pool's clock (modelled time): which sandbox ran it and when. */
export interface InvocationTiming {
    /** The sandbox, numbered from 1 in the order the pool started them; 0 when none ran it (its init failed). */
    sandbox: number;
    /** The invocation's place among its sandbox's invocations, from 0 (the cold start's). */
    ordinal: number;
    /** When it was handed to a sandbox slot, and how long it took to its answer, cold start's init included (clock ms). */
    startMs: number;
    durationMs: number;
    /** Records of its event (a Kinesis batch's; 1 for any other event). */
    records: number;
    /** CPU the handler used in its sandbox, when the sandbox answered. */
    cpuMs?: number;
    coldStart: boolean;
    ok: boolean;
}

export interface FunctionPoolStats {
    invocations: number;
    coldStarts: number;
    errors: number;
    timeouts: number;
    crashes: number;
    inFlight: number;
    maxConcurrency: number;
    sandboxes: number;
    /** Largest peak RSS any sandbox of this function reported, in bytes (0 before any report). */
    peakRssBytes: number;
    /** How the sandboxes were held to Lambda's CPU share, and the CPU they used. */
    cpuShare: CpuShareStats;
    /** Every finished invocation in the order they finished: the runtime's own timeline of each sandbox, to set beside the planner's lanes. */
    invocationLog: InvocationTiming[];
}

/** A fault-injection plug-in that watches each invocation as it runs on its sandbox. */
export interface InvocationFaults {
    /** An invocation begins; `kill` ends its sandbox. Returns what to call when the invocation ends. */
    begin(kill: () => void): (outcome: { ok: boolean }) => void;
}

const DEFAULT_CONCURRENCY = 1000;
const DEFAULT_ACCOUNT = "000000000000";

export class FunctionPool {
    readonly functionArn: string;
    private readonly workDir: string;
    private readonly ownsWorkDir: boolean;
    private readonly codeDir: string;
    private readonly logSink: LogSink;
    private readonly slots: SandboxSlots;
    private readonly faults: InvocationFaults | undefined;
    private readonly clock: Clock;
    private readonly concurrency: ConcurrencyGate | undefined;
    private cpuPlan: CpuSharePlan;
    /** Stops following the clock's K (it changes when the clock is rescaled). */
    private readonly stopFollowingScale: () => void;
    /** Every sandbox started and not yet gone, also one a timeout killed: close() waits for them all. */
    private readonly sandboxes = new Set<Sandbox>();
    private closed = false;
    private readonly counters = { invocations: 0, coldStarts: 0, errors: 0, timeouts: 0, crashes: 0, inFlight: 0, maxConcurrency: 0, peakRssBytes: 0 };
    private readonly invocationLog: InvocationTiming[] = [];
    /** Each sandbox's number (InvocationTiming.sandbox), in the order they started. */
    private readonly sandboxNumbers = new WeakMap<Sandbox, number>();
    private sandboxesStarted = 0;
    /** Inits running, for watchInits. */
    private initsRunning = 0;
    private readonly initWatchers = new Set<(inits: { ready: number; running: number }) => void>();
    private readonly cpuUsed = { invocationCpuMs: 0, cpuMsByOrdinal: [] as number[], invocationsByOrdinal: [] as number[], recordsByOrdinal: [] as number[], initCpuMs: 0, inits: 0, addedWaitMs: 0 };

    constructor(private readonly definition: FunctionDefinition, options: FunctionPoolOptions = {}) {
        checkDefinition(definition);
        this.faults = options.faults;
        this.clock = options.clock ?? realClock;
        this.concurrency = options.concurrency;
        this.cpuPlan = planCpuShare(options.cpuShare ?? "off", definition.memoryMb, options.timeScale ?? 1);
        // A new K (the clock rescaled): sandboxes started from now on get its share and timers; running ones follow by themselves (sandbox.ts).
        this.stopFollowingScale = this.clock.onRescale?.((scale) => (this.cpuPlan = rescaleCpuShare(this.cpuPlan, definition.memoryMb, scale))) ?? (() => {});
        this.slots = new SandboxSlots(definition.reservedConcurrency ?? DEFAULT_CONCURRENCY);
        this.functionArn = `arn:aws:lambda:${definition.region}:${definition.accountId ?? DEFAULT_ACCOUNT}:function:${definition.functionName}`;
        this.ownsWorkDir = options.workDir === undefined;
        this.workDir = options.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), `kinesis-fanout-${definition.functionName}-`));
        this.codeDir = path.join(this.workDir, "task");
        fs.mkdirSync(this.codeDir, { recursive: true });
        fs.writeFileSync(path.join(this.codeDir, "index.js"), definition.handler.text);
        this.logSink = withTap(createLogSink(options.logs), options.onLog);
        // A process that exits without close() (a second Ctrl-C, say) still leaves no folder behind.
        if (this.ownsWorkDir) process.once("exit", this.removeWorkDir);
    }

    private readonly removeWorkDir = () => fs.rmSync(this.workDir, { recursive: true, force: true });

    /** RequestResponse invocation: resolves with the outcome; never rejects for function errors. */
    async invoke(event: unknown, meta: InvocationMeta = {}): Promise<InvocationResult> {
        if (this.closed) throw new Error(`function ${this.definition.functionName} is closed; create a new FunctionPool to invoke it`);
        const requestId = meta.requestId ?? randomUUID();
        const traceId = invocationTraceHeader(meta.traceHeader, this.functionArn);
        const execution = this.concurrency ? this.concurrency.tryAcquire() : () => {};
        if (!execution) return throttledResult(requestId, this.definition.functionName, this.concurrency!.reason);
        try {
            return await this.invokeInSlot(requestId, event, traceId);
        } finally {
            execution();
        }
    }

    private async invokeInSlot(requestId: string, event: unknown, traceId: string | undefined): Promise<InvocationResult> {
        const slot = await this.slots.claim(() => this.checkOpenWhileWaiting());
        const started = this.clock.now();
        const coldStart = slot.state === "starting";
        this.counters.invocations++;
        this.counters.inFlight++;
        this.counters.maxConcurrency = Math.max(this.counters.maxConcurrency, this.counters.inFlight);
        let outcome: SandboxOutcome;
        let ordinal = 0;
        let sandbox: Sandbox | undefined;
        try {
            outcome = await this.runIn(slot, requestId, event, traceId);
            sandbox = slot.sandbox;
            ordinal = Math.max(0, (sandbox?.invocationsStarted ?? 1) - 1);
        } finally {
            this.counters.inFlight--;
        }
        this.count(outcome);
        this.slots.release(slot, !outcome.dead && !this.closed);
        const durationMs = this.clock.now() - started;
        const records = eventRecords(event);
        this.invocationLog.push({
            sandbox: (sandbox && this.sandboxNumbers.get(sandbox)) ?? 0,
            ordinal,
            startMs: started,
            durationMs,
            records,
            ...(outcome.cpuMs !== undefined ? { cpuMs: outcome.cpuMs } : {}),
            coldStart,
            ok: outcome.ok,
        });
        return this.result(requestId, outcome, durationMs, coldStart, ordinal, records);
    }

    stats(): FunctionPoolStats {
        const { mode, invokeCores, initCores, timeScale } = this.cpuPlan;
        const cores = mode === "off" ? {} : { invokeCores, initCores };
        return { ...this.counters, sandboxes: this.slots.alive, cpuShare: { mode, ...cores, timeScale, ...this.cpuUsed }, invocationLog: [...this.invocationLog] };
    }

    /** Calls `watcher` each time a sandbox's init ends (ready or failed), with the sandboxes ready and alive, and the inits still running; the returned function stops that. */
    watchInits(watcher: (inits: { ready: number; running: number }) => void): () => void {
        this.initWatchers.add(watcher);
        return () => void this.initWatchers.delete(watcher);
    }

    /** A watcher that throws (or rescales the clock under the others) must not break the sandbox's start. */
    private tellInitWatchers(): void {
        const inits = { ready: [...this.sandboxes].filter((sandbox) => sandbox.alive).length, running: this.initsRunning };
        for (const watcher of [...this.initWatchers]) {
            try {
                watcher(inits);
            } catch {
                // A watcher's own error is its own.
            }
        }
    }

    /** Kills every sandbox, closes the log sink and removes the default work dir. */
    async close(): Promise<void> {
        if (this.closed) return;
        this.closed = true;
        this.stopFollowingScale();
        await this.slots.closeAll();
        await Promise.all([...this.sandboxes].map((sandbox) => sandbox.kill()));
        await this.logSink.close();
        if (this.ownsWorkDir) {
            process.off("exit", this.removeWorkDir);
            this.removeWorkDir();
        }
    }

    private checkOpenWhileWaiting(): void {
        if (this.closed) throw new Error(`function ${this.definition.functionName} was closed while an invocation waited for a sandbox`);
    }

    /** Runs the invocation in its slot, starting the slot's sandbox first on a cold start. */
    private async runIn(slot: SandboxSlot, requestId: string, event: unknown, traceId?: string): Promise<SandboxOutcome> {
        try {
            if (slot.state === "starting") {
                this.counters.coldStarts++;
                this.slots.started(slot, await this.startSandbox());
            }
            const sandbox = slot.sandbox as Sandbox;
            const end = this.faults?.begin(() => void sandbox.kill());
            let outcome: SandboxOutcome | undefined;
            try {
                outcome = await sandbox.invoke(requestId, event, this.definition.timeoutSeconds * 1000, this.functionArn, traceId);
                return outcome;
            } finally {
                end?.({ ok: outcome?.ok === true });
            }
        } catch (error) {
            const errorType = error instanceof SandboxInitError ? error.errorType : "Runtime.ExitError";
            return { ok: false, errorType, errorMessage: (error as Error).message, dead: true };
        }
    }

    private result(requestId: string, outcome: SandboxOutcome, durationMs: number, coldStart: boolean, ordinal: number, records: number): InvocationResult {
        const result: InvocationResult = { requestId, ok: outcome.ok, durationMs, coldStart };
        if (outcome.maxRssBytes !== undefined) {
            result.maxRssBytes = outcome.maxRssBytes;
            this.counters.peakRssBytes = Math.max(this.counters.peakRssBytes, outcome.maxRssBytes);
        }
        if (outcome.cpuMs !== undefined) {
            result.cpuMs = outcome.cpuMs;
            this.cpuUsed.invocationCpuMs += outcome.cpuMs;
            const index = Math.min(ordinal, CPU_ORDINALS - 1);
            const { cpuMsByOrdinal, invocationsByOrdinal, recordsByOrdinal } = this.cpuUsed;
            while (cpuMsByOrdinal.length <= index) [cpuMsByOrdinal.push(0), invocationsByOrdinal.push(0), recordsByOrdinal.push(0)];
            cpuMsByOrdinal[index] += outcome.cpuMs;
            invocationsByOrdinal[index]++;
            recordsByOrdinal[index] += records;
        }
        this.cpuUsed.addedWaitMs += outcome.addedWaitMs ?? 0;
        if (outcome.ok) result.payload = outcome.payload;
        else Object.assign(result, { errorType: outcome.errorType, errorMessage: outcome.errorMessage, stackTrace: outcome.stackTrace ?? [] });
        return result;
    }

    private async startSandbox(): Promise<Sandbox> {
        const { functionName, memoryMb, region, environment } = this.definition;
        const logStreamName = `${new Date(this.clock.now()).toISOString().slice(0, 10).replace(/-/g, "/")}/[$LATEST]${randomBytes(16).toString("hex")}`;
        const env = sandboxEnvironment({
            functionName,
            environment,
            memoryMb,
            region,
            runtime: this.definition.runtime ?? "nodejs22.x",
            codeDir: this.codeDir,
            logGroupName: `/aws/lambda/${functionName}`,
            logStreamName,
            exportName: this.definition.handler.exportName,
        });
        const cpuShare = this.cpuPlan.mode === "off" ? undefined : this.cpuPlan;
        const number = ++this.sandboxesStarted;
        this.initsRunning++;
        let sandbox: Sandbox;
        try {
            sandbox = await Sandbox.start({ env, codeDir: this.codeDir, memoryMb, logStreamName, logSink: this.logSink, clock: this.clock, cpuShare, timeScale: this.cpuPlan.timeScale });
        } catch (error) {
            this.initsRunning--;
            this.tellInitWatchers();
            throw error;
        }
        this.initsRunning--;
        this.sandboxNumbers.set(sandbox, number);
        this.cpuUsed.addedWaitMs += sandbox.initAddedWaitMs;
        this.cpuUsed.initCpuMs += sandbox.initCpuMs;
        this.cpuUsed.inits++;
        this.sandboxes.add(sandbox);
        void sandbox.gone.then(() => this.sandboxes.delete(sandbox));
        this.tellInitWatchers();
        if (this.closed) {
            await sandbox.kill();
            throw new SandboxInitError("Runtime.ExitError", `function ${functionName} was closed during INIT`);
        }
        return sandbox;
    }

    private count(outcome: SandboxOutcome): void {
        if (outcome.ok) return;
        this.counters.errors++;
        if (outcome.errorType === "Sandbox.Timedout") this.counters.timeouts++;
        else if (outcome.dead) this.counters.crashes++;
    }
}

function checkDefinition(definition: FunctionDefinition): void {
    const { functionName, memoryMb, timeoutSeconds, reservedConcurrency } = definition;
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(functionName)) {
        throw new Error(`function name must be 1 to 64 letters, digits, - and _ (got "${functionName}")`);
    }
    if (!Number.isInteger(memoryMb) || memoryMb < AWS_LIMITS.lambda.memoryMb.min || memoryMb > AWS_LIMITS.lambda.memoryMb.max) {
        throw new Error(`function ${functionName}: memoryMb must be an integer from ${AWS_LIMITS.lambda.memoryMb.min} to ${AWS_LIMITS.lambda.memoryMb.max} (got ${memoryMb})`);
    }
    if (!(timeoutSeconds > 0 && timeoutSeconds <= AWS_LIMITS.lambda.timeoutSeconds.max)) {
        throw new Error(`function ${functionName}: timeoutSeconds must be more than 0 and at most ${AWS_LIMITS.lambda.timeoutSeconds.max} (got ${timeoutSeconds})`);
    }
    if (reservedConcurrency !== undefined && !(Number.isInteger(reservedConcurrency) && reservedConcurrency >= 1)) {
        throw new Error(`function ${functionName}: reservedConcurrency must be a positive integer (got ${reservedConcurrency})`);
    }
    checkFunctionEnvironment(functionName, definition.environment);
}

/** The records an invocation carried: its event's `Records` (a Kinesis batch, S3 notifications), or 0. */
function eventRecords(event: unknown): number {
    const records = (event as { Records?: unknown } | null)?.Records;
    return Array.isArray(records) ? records.length : 0;
}
