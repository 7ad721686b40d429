"use strict";
/**
 * The Lambda runtime inside one sandbox process: the Node.js equivalent of Lambda's bootstrap.
 * Plain JavaScript, run by `node` directly, so a cold start doesn't pay for ts-node (about
 * 120 ms more per process, measured here).
 *
 * - Init: loads `$LAMBDA_TASK_ROOT/index.js` and reads the export named by `_HANDLER`
 *   (`index.<export>`), then reports `{ type: "ready" }` or `{ type: "init-error", ... }`.
 * - Invoke: `{ type: "invoke", requestId, event, deadlineMs, invokedFunctionArn, traceId }` runs the
 *   handler with a Lambda-shaped context (and `_X_AMZN_TRACE_ID` set to traceId) and answers
 *   `{ type: "result", requestId, ok, ... }`.
 *   `deadlineMs` is wall-clock time (this process's `Date.now`): under time dilation (a time scale K)
 *   it is the timeout × K from the start, so `getRemainingTimeInMillis` counts down the dilated
 *   deadline in the same wall milliseconds the handler's own calls take.
 *   The payload travels as JSON text, as Lambda's runtime API does, so `undefined` becomes null.
 *   Each result also carries `maxRssKb`, the process's peak RSS (process.resourceUsage().maxRSS).
 * - CPU: every result carries `cpuMs`, the CPU time (process.cpuUsage) the invocation used. Under
 *   the measured CPU share (runtime/lambda/cpu-share.ts) the process gets `--measured-cores=<init>,<invoke>`,
 *   the cores of init and of invocations; `ready` carries `initCpuMs`, init's CPU. It then waits out
 *   cpu / cores - wall before it reports ready or answers, so init and each invocation last as long as they would at that share.
 * - Time scale: with `--time-scale=K`, the handler's own setTimeout, setInterval and
 *   timers/promises wait K times as long (sandbox-timers.js), like every other modelled duration.
 *   `{ type: "time-scale", ... }` changes K during the run (rescale below).
 * - console.* is written to stdout as `<time>\t<requestId>\t<LEVEL>\t<message>`, Lambda's format.
 * - An uncaught exception or unhandled rejection fails the current invocation and ends the process.
 *
 * The parent (sandbox.ts) enforces the timeout and the memory limit from outside.
 */
const path = require("node:path");
const util = require("node:util");
const os = require("node:os");

// V8's on-disk code cache (Node >= 22.1): sandboxes after the first compile the SDK and the
// handler from cache. Without it, twenty cold starts cost this 2-core machine seconds of CPU
// that Lambda, with a core per sandbox, never shares. It changes nothing the handler can see.
require("node:module").enableCompileCache?.(path.join(os.tmpdir(), "kinesis-fanout-compile-cache"));

const RESPONSE_MAX_BYTES = 6 * 1024 * 1024;
const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
const [moduleName, exportName] = (process.env._HANDLER || "index.handler").split(".");

let current = undefined;

const { dilateTimers, setTimeScale, realSetTimeout } = require("./sandbox-timers.js");

/** The parent's arguments: `--measured-cores=<init>,<invoke>` and `--time-scale=<K>`. */
function argument(name) {
    const prefix = `--${name}=`;
    const found = process.argv.slice(2).find((arg) => arg.startsWith(prefix));
    return found === undefined ? undefined : found.slice(prefix.length);
}

/** The measured CPU share's cores, [init, invoke], when the parent asked for it; a `time-scale` message changes them. */
let measuredCores = argument("measured-cores") ? argument("measured-cores").split(",").map(Number) : undefined;
/** The time scale K: the handler's own timers wait K times as long (sandbox-timers.js). */
const timeScale = Number(argument("time-scale") ?? 1);

function cpuMsSince(start) {
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000;
}

/** The K the measured share's waits are in: a rescale stretches or shrinks a wait still running by new K ÷ this. */
let waitScale = timeScale;
/** A measured share's wait still running: its message, when it ends (performance.now()) and its timer. */
let waiting = undefined;

/** Sends `message` once the time `cpuMs` of CPU takes at `cores` has passed since `wallStart` (performance.now()). */
function sendAtShare(message, cpuMs, wallStart, cores) {
    const extra = cores > 0 ? cpuMs / cores - (performance.now() - wallStart) : 0;
    if (!(extra > 0)) {
        send(message);
        return;
    }
    message.addedWaitMs = extra;
    waitThenSend(message, performance.now() + extra);
}

function waitThenSend(message, endsAt) {
    const entry = { message, endsAt };
    entry.timer = realSetTimeout(() => {
        if (waiting === entry) waiting = undefined;
        send(message);
    }, Math.max(0, endsAt - performance.now()));
    waiting = entry;
}

function errorFields(error, fallbackType) {
    if (error instanceof Error) {
        return {
            errorType: error.name || fallbackType,
            errorMessage: error.message,
            stackTrace: String(error.stack || "").split("\n").slice(1).map((line) => line.trim()),
        };
    }
    return { errorType: fallbackType, errorMessage: typeof error === "string" ? error : util.inspect(error), stackTrace: [] };
}

function send(message) {
    // Every result carries the process's peak resident set so far (maxRSS is in KiB), the figure
    // Lambda reports as "Max Memory Used".
    if (message.type === "result") message.maxRssKb = process.resourceUsage().maxRSS;
    if (process.connected) process.send(message);
}

function patchConsole() {
    const levels = { log: "INFO", info: "INFO", warn: "WARN", error: "ERROR", debug: "DEBUG", trace: "TRACE" };
    for (const [method, level] of Object.entries(levels)) {
        console[method] = (...args) => {
            const requestId = current ? current.requestId : "undefined";
            process.stdout.write(`${new Date().toISOString()}\t${requestId}\t${level}\t${util.format(...args)}\n`);
        };
    }
}

function contextFor(message, deadline) {
    const env = process.env;
    return {
        awsRequestId: message.requestId,
        functionName: env.AWS_LAMBDA_FUNCTION_NAME,
        functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
        invokedFunctionArn: message.invokedFunctionArn,
        memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
        logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
        logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
        callbackWaitsForEmptyEventLoop: true,
        getRemainingTimeInMillis: () => Math.max(0, deadline.ms - Date.now()),
    };
}

function finish(requestId, outcome) {
    if (!current || current.requestId !== requestId) return;
    const { cpuStart, wallStart } = current;
    current = undefined;
    const cpuMs = cpuMsSince(cpuStart);
    const send = (message) => sendAtShare({ ...message, cpuMs }, cpuMs, wallStart, measuredCores ? measuredCores[1] : 0);
    if (outcome.ok) {
        let text;
        try {
            text = outcome.payload === undefined ? undefined : JSON.stringify(outcome.payload);
        } catch (error) {
            send({ type: "result", requestId, ok: false, ...errorFields(error, "Runtime.SerializationError") });
            return;
        }
        if (text !== undefined && Buffer.byteLength(text) > RESPONSE_MAX_BYTES) {
            send({
                type: "result",
                requestId,
                ok: false,
                errorType: "Function.ResponseSizeTooLarge",
                errorMessage: `Response payload size (${Buffer.byteLength(text)} bytes) exceeded maximum allowed payload size (${RESPONSE_MAX_BYTES} bytes).`,
                stackTrace: [],
            });
            return;
        }
        send({ type: "result", requestId, ok: true, payloadJson: text });
    } else {
        send({ type: "result", requestId, ok: false, ...errorFields(outcome.error, "Error") });
    }
}

function invoke(handler, message) {
    const { requestId } = message;
    const deadline = { ms: message.deadlineMs };
    current = { requestId, cpuStart: process.cpuUsage(), wallStart: performance.now(), deadline };
    // As Lambda's Node.js runtime does for each invocation: the AWS SDK's recursion detection
    // middleware forwards it as X-Amzn-Trace-Id on every call the function makes.
    if (message.traceId) process.env._X_AMZN_TRACE_ID = message.traceId;
    else delete process.env._X_AMZN_TRACE_ID;
    const callback = (error, payload) =>
        finish(requestId, error === undefined || error === null ? { ok: true, payload } : { ok: false, error });
    let returned;
    try {
        returned = handler(message.event, contextFor(message, deadline), callback);
    } catch (error) {
        finish(requestId, { ok: false, error });
        return;
    }
    if (returned && typeof returned.then === "function") {
        returned.then(
            (payload) => finish(requestId, { ok: true, payload }),
            (error) => finish(requestId, { ok: false, error }),
        );
    } else if (handler.length < 3) {
        finish(requestId, { ok: true, payload: returned });
    }
}

/**
 * The run's K changed (runtime/clock.ts, rescale): `{ type: "time-scale", timeScale, measuredCores?,
 * requestId?, deadlineMs? }`. Later timers wait by the new K, the measured share uses the new
 * cores, and the invocation running (requestId) gets its deadline in the new wall time.
 */
function rescale(message) {
    setTimeScale(message.timeScale);
    if (Array.isArray(message.measuredCores)) measuredCores = message.measuredCores;
    // A measured share's wait still running is modelled time too: what is left of it, at the new K.
    if (waiting && Number.isFinite(message.timeScale) && message.timeScale > 0) {
        clearTimeout(waiting.timer);
        const left = Math.max(0, waiting.endsAt - performance.now()) * (message.timeScale / waitScale);
        waitThenSend(waiting.message, performance.now() + left);
    }
    if (Number.isFinite(message.timeScale) && message.timeScale > 0) waitScale = message.timeScale;
    if (current && message.requestId === current.requestId && typeof message.deadlineMs === "number") current.deadline.ms = message.deadlineMs;
}

function crash(kind, error) {
    const fields = errorFields(error, kind);
    if (current) {
        const { requestId } = current;
        current = undefined;
        const errorType = kind === "Runtime.UnhandledPromiseRejection" ? kind : fields.errorType;
        send({ type: "result", requestId, ok: false, fatal: true, ...fields, errorType });
    }
    process.stderr.write(`${kind}: ${fields.errorMessage}\n`);
    setImmediate(() => process.exit(129));
}

function main() {
    patchConsole();
    dilateTimers(timeScale);
    process.on("uncaughtException", (error) => crash("Runtime.UncaughtException", error));
    process.on("unhandledRejection", (reason) => crash("Runtime.UnhandledPromiseRejection", reason));
    process.on("disconnect", () => process.exit(0));

    let handler;
    try {
        const loaded = require(path.join(taskRoot, moduleName));
        handler = loaded[exportName];
        if (typeof handler !== "function") {
            const error = new Error(`${moduleName}.${exportName} is undefined or not exported`);
            error.name = "Runtime.HandlerNotFound";
            throw error;
        }
    } catch (error) {
        const fields = errorFields(error, "Runtime.ImportModuleError");
        if (error && error.code === "MODULE_NOT_FOUND") fields.errorType = "Runtime.ImportModuleError";
        send({ type: "init-error", ...fields });
        setImmediate(() => process.exit(1));
        return;
    }
    process.on("message", (message) => {
        if (message && message.type === "invoke") invoke(handler, message);
        else if (message && message.type === "time-scale") rescale(message);
    });
    // Init's CPU is the process's whole CPU so far, over its whole life so far.
    const initCpuMs = cpuMsSince(undefined);
    sendAtShare({ type: "ready", initCpuMs }, initCpuMs, performance.now() - process.uptime() * 1000, measuredCores ? measuredCores[0] : 0);
}

main();
