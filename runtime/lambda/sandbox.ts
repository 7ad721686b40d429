import { fork, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import type { Clock, Timer } from "../clock";
import type { CpuGroup } from "./cpu-cgroups";
import { rescaleCpuShare, type CpuSharePlan } from "./cpu-share";
import type { LogSink } from "./log-sink";

/**
 * One execution environment: a long-lived Node process (process.execPath) that runs the function's
 * module, one invocation at a time. The V8 heap is capped at the function's memory size; a process
 * that runs past the timeout is killed, and so is never reused.
 */

const BOOTSTRAP = path.join(__dirname, "sandbox-bootstrap.js");
/** Lambda's init phase may take up to 10 s. */
const INIT_TIMEOUT_MS = 10_000;
const STDERR_TAIL_BYTES = 8 * 1024;
const OUT_OF_MEMORY = /heap out of memory|Reached heap limit|Allocation failed/i;

export interface SandboxSpec {
    env: Record<string, string>;
    codeDir: string;
    memoryMb: number;
    logStreamName: string;
    logSink: LogSink;
    /** Times the init phase and each invocation's timeout. */
    clock: Clock;
    /** Lambda's CPU share (cpu-share.ts); absent means no share. */
    cpuShare?: CpuSharePlan;
    /** The time scale K: the handler's own timers wait K times as long (sandbox-timers.js); default 1. */
    timeScale?: number;
}

export interface SandboxOutcome {
    ok: boolean;
    payload?: unknown;
    errorType?: string;
    errorMessage?: string;
    stackTrace?: string[];
    /** The process is gone (timeout, crash, out of memory) and can't be reused. */
    dead: boolean;
    /** The process's peak resident set size so far, in bytes, when it reported one. */
    maxRssBytes?: number;
    /** CPU time the invocation used in the sandbox (process.cpuUsage), in ms, when it answered. */
    cpuMs?: number;
    /** Wall time the measured CPU share added before it answered, in ms. */
    addedWaitMs?: number;
}

interface ChildMessage {
    type: "ready" | "init-error" | "result";
    requestId?: string;
    ok?: boolean;
    payloadJson?: string;
    errorType?: string;
    errorMessage?: string;
    stackTrace?: string[];
    /** The runtime is about to exit (uncaught exception): the process can't be reused. */
    fatal?: boolean;
    /** process.resourceUsage().maxRSS of the sandbox, in KiB. */
    maxRssKb?: number;
    cpuMs?: number;
    addedWaitMs?: number;
    initCpuMs?: number;
}

interface Pending {
    requestId: string;
    /** The invocation's deadline, in modelled time (clock ms). */
    deadlineMs: number;
    resolve(outcome: SandboxOutcome): void;
    timer: Timer;
}

/** Init failed: the module threw, a handler export is missing, or init ran past its limit. */
export class SandboxInitError extends Error {
    constructor(readonly errorType: string, message: string) {
        super(message);
        this.name = "SandboxInitError";
    }
}

export class Sandbox {
    private pending: Pending | undefined;
    private stderrTail = "";
    private exited = false;
    private readonly closed: Promise<void>;
    /** Invocations this sandbox has been given so far: the next one's ordinal (0 is its cold start's). */
    invocationsStarted = 0;
    /** Wall time the measured CPU share added to init, and init's CPU time (the whole process's until ready), in ms. */
    initAddedWaitMs = 0;
    initCpuMs = 0;
    /** Until the handler is ready, the sandbox runs at init's cores. */
    private initializing = true;

    private constructor(
        private readonly child: ChildProcess,
        readonly logStreamName: string,
        logSink: LogSink,
        private readonly clock: Clock,
        private readonly cpuGroup: CpuGroup | undefined,
        private cpuPlan: CpuSharePlan | undefined,
        private readonly memoryMb: number,
    ) {
        child.stdout?.setEncoding("utf8").on("data", (text: string) => logSink.write(logStreamName, text));
        child.stderr?.setEncoding("utf8").on("data", (text: string) => {
            logSink.write(logStreamName, text);
            this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL_BYTES);
        });
        child.on("message", (message: ChildMessage) => this.onMessage(message));
        this.closed = new Promise((resolve) => {
            const gone = (code: number | null, signal: NodeJS.Signals | null) => {
                if (this.exited) return;
                this.exited = true;
                cpuGroup?.remove();
                this.onExit(code, signal);
                resolve();
            };
            child.once("close", gone);
            child.once("error", (error) => {
                this.stderrTail += `${error.message}\n`;
                gone(null, null);
            });
        });
    }

    /** Resolves once the process is gone (and its CPU group removed). */
    get gone(): Promise<void> {
        return this.closed;
    }

    get alive(): boolean {
        return !this.exited;
    }

    /**
     * Starts a process and waits for its init phase to finish. Under a CPU share, init runs at the
     * share's init cores and the invocations at its invoke cores: in its own cgroup, or measured
     * by the bootstrap (which is told the shares as its two arguments).
     */
    static start(spec: SandboxSpec): Promise<Sandbox> {
        const plan = spec.cpuShare;
        const args = plan?.mode === "measured" ? [`--measured-cores=${plan.initCores},${plan.invokeCores}`] : [];
        if (spec.timeScale !== undefined && spec.timeScale !== 1) args.push(`--time-scale=${spec.timeScale}`);
        const child = fork(BOOTSTRAP, args, {
            execPath: process.execPath,
            execArgv: [`--max-old-space-size=${spec.memoryMb}`],
            cwd: spec.codeDir,
            env: spec.env,
            stdio: ["ignore", "pipe", "pipe", "ipc"],
        });
        let cpuGroup: CpuGroup | undefined;
        try {
            if (plan?.cgroups && child.pid !== undefined) cpuGroup = plan.cgroups.join(child.pid, plan.initCores, plan.timeScale);
        } catch (error) {
            child.kill("SIGKILL");
            return Promise.reject(new SandboxInitError("Runtime.ExitError", `could not hold the sandbox to its CPU share: ${(error as Error).message}`));
        }
        const sandbox = new Sandbox(child, spec.logStreamName, spec.logSink, spec.clock, cpuGroup, plan, spec.memoryMb);
        const unsubscribe = spec.clock.onRescale?.((scale) => sandbox.rescale(scale));
        if (unsubscribe) void sandbox.closed.then(unsubscribe);
        return new Promise((resolve, reject) => {
            const timer = spec.clock.setTimeout(() => {
                child.kill("SIGKILL");
                reject(new SandboxInitError("Sandbox.Timedout", `INIT phase timed out after ${INIT_TIMEOUT_MS / 1000} seconds`));
            }, INIT_TIMEOUT_MS);
            const onMessage = (message: ChildMessage) => {
                if (message.type === "ready") {
                    timer.cancel();
                    child.off("message", onMessage);
                    sandbox.initAddedWaitMs = message.addedWaitMs ?? 0;
                    sandbox.initCpuMs = message.initCpuMs ?? 0;
                    sandbox.initializing = false;
                    try {
                        if (sandbox.cpuPlan && cpuGroup) cpuGroup.setCores(sandbox.cpuPlan.invokeCores);
                    } catch {
                        // The process ended meanwhile: its first invocation finds it dead.
                    }
                    resolve(sandbox);
                } else if (message.type === "init-error") {
                    timer.cancel();
                    child.off("message", onMessage);
                    reject(new SandboxInitError(message.errorType ?? "Runtime.ImportModuleError", message.errorMessage ?? "init failed"));
                }
            };
            child.on("message", onMessage);
            void sandbox.closed.then(() => {
                timer.cancel();
                reject(new SandboxInitError(sandbox.exitErrorType(), `Runtime exited during INIT: ${sandbox.stderrTail.trim().split("\n").pop() ?? ""}`));
            });
        });
    }

    /** Runs one invocation; never rejects. A timeout kills the process. */
    invoke(requestId: string, event: unknown, timeoutMs: number, invokedFunctionArn: string, traceId?: string): Promise<SandboxOutcome> {
        this.invocationsStarted++;
        if (this.pending) throw new Error(`sandbox ${this.logStreamName} is busy with ${this.pending.requestId}`);
        if (this.exited) return Promise.resolve(this.exitOutcome(requestId, null, null));
        return new Promise((resolve) => {
            const timer = this.clock.setTimeout(() => {
                this.pending = undefined;
                this.child.kill("SIGKILL");
                resolve({
                    ok: false,
                    errorType: "Sandbox.Timedout",
                    errorMessage: `RequestId: ${requestId} Error: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
                    dead: true,
                });
            }, timeoutMs);
            const deadlineMs = this.clock.now() + timeoutMs;
            this.pending = { requestId, deadlineMs, resolve, timer };
            this.child.send({ type: "invoke", requestId, event, deadlineMs: this.clock.toWall(deadlineMs), invokedFunctionArn, traceId });
        });
    }

    /**
     * The run's K changed (the clock's onRescale): the CPU share follows it (init's cores while the
     * sandbox starts, the invocations' after), and the process is told, so that the handler's own
     * timers wait by the new K, the measured share uses the new cores, and the invocation running
     * sees its deadline (the same modelled moment) in the new wall time.
     */
    private rescale(timeScale: number): void {
        if (this.exited) return;
        if (this.cpuPlan) this.cpuPlan = rescaleCpuShare(this.cpuPlan, this.memoryMb, timeScale);
        try {
            if (this.cpuPlan && this.cpuGroup) this.cpuGroup.setCores(this.initializing ? this.cpuPlan.initCores : this.cpuPlan.invokeCores, timeScale);
        } catch {
            // The process ended meanwhile.
        }
        const measuredCores = this.cpuPlan?.mode === "measured" ? [this.cpuPlan.initCores, this.cpuPlan.invokeCores] : undefined;
        const pending = this.pending;
        const running = pending ? { requestId: pending.requestId, deadlineMs: this.clock.toWall(pending.deadlineMs) } : {};
        if (this.child.connected) this.child.send({ type: "time-scale", timeScale, ...(measuredCores ? { measuredCores } : {}), ...running });
    }

    /** Kills the process and waits until it is gone. */
    async kill(): Promise<void> {
        if (!this.exited) this.child.kill("SIGKILL");
        await this.closed;
    }

    private onMessage(message: ChildMessage): void {
        const pending = this.pending;
        if (message.type !== "result" || !pending || message.requestId !== pending.requestId) return;
        pending.timer.cancel();
        this.pending = undefined;
        const rss = {
            ...(typeof message.maxRssKb === "number" ? { maxRssBytes: message.maxRssKb * 1024 } : {}),
            ...(typeof message.cpuMs === "number" ? { cpuMs: message.cpuMs } : {}),
            ...(typeof message.addedWaitMs === "number" ? { addedWaitMs: message.addedWaitMs } : {}),
        };
        if (message.ok) {
            pending.resolve({ ok: true, payload: message.payloadJson === undefined ? null : JSON.parse(message.payloadJson), dead: false, ...rss });
        } else {
            if (message.fatal) this.child.kill("SIGKILL");
            pending.resolve({
                ok: false,
                errorType: message.errorType,
                errorMessage: message.errorMessage,
                stackTrace: message.stackTrace,
                dead: message.fatal === true,
                ...rss,
            });
        }
    }

    private onExit(code: number | null, signal: NodeJS.Signals | null): void {
        const pending = this.pending;
        if (!pending) return;
        pending.timer.cancel();
        this.pending = undefined;
        pending.resolve(this.exitOutcome(pending.requestId, code, signal));
    }

    private exitErrorType(): string {
        return OUT_OF_MEMORY.test(this.stderrTail) ? "Runtime.OutOfMemory" : "Runtime.ExitError";
    }

    private exitOutcome(requestId: string, code: number | null, signal: NodeJS.Signals | null): SandboxOutcome {
        const status = signal ? `signal: ${signal}` : `exit status ${code}`;
        return {
            ok: false,
            errorType: this.exitErrorType(),
            errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: ${status}`,
            dead: true,
        };
    }
}
