/**
 * Runs a handler factory the way Lambda runs what `pulumi up` uploads: Pulumi's closure serializer
 * turns the factory into module text, the text is written as `__index.js` (CallbackFunction's file
 * name) inside the repository's git-ignored `.fanout/` folder, so that `require` finds the packages
 * in node_modules, and a fresh `node` process loads it and calls its `handler` export once.
 */
import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { serializeHandler } from "../../runtime/lambda/serialize-handler";

const REPO_ROOT = path.resolve(__dirname, "../..");

const INVOKE_JS = `
const fs = require("fs");
const [modulePath, eventPath, resultPath, functionName, timeoutMs] = process.argv.slice(2);
const deadline = Date.now() + Number(timeoutMs);
const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:" + functionName,
    memoryLimitInMB: "512",
    awsRequestId: "00000000-0000-4000-8000-" + String(process.pid).padStart(12, "0"),
    logGroupName: "/aws/lambda/" + functionName,
    logStreamName: "2025/01/01/[$LATEST]callbacktest",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
};
const write = (outcome) => fs.writeFileSync(resultPath, JSON.stringify(outcome));
Promise.resolve()
    .then(() => require(modulePath).handler(JSON.parse(fs.readFileSync(eventPath, "utf8")), context))
    .then((result) => write({ ok: true, result }), (error) => write({ ok: false, error: String((error && error.stack) || error) }));
`;

export interface ServiceEndpoints {
    s3: string;
    sqs: string;
    kinesis: string;
}

/** Environment of a Lambda sandbox: dummy credentials, the stand-ins' endpoints and the function's own variables. */
export function sandboxEnvironment(endpoints: ServiceEndpoints, functionEnv: Record<string, string>): Record<string, string> {
    return {
        PATH: process.env.PATH ?? "",
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "AKIDLOCALSTANDIN",
        AWS_SECRET_ACCESS_KEY: "local-stand-in-secret",
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_ENDPOINT_URL_S3: endpoints.s3,
        AWS_ENDPOINT_URL_SQS: endpoints.sqs,
        AWS_ENDPOINT_URL_KINESIS: endpoints.kinesis,
        POWERTOOLS_LOG_LEVEL: "WARN",
        ...functionEnv,
    };
}

export interface SerializedRun<T> {
    result: T;
    /** What the function logged (Powertools writes JSON lines, warnings and errors to stderr). */
    logs: string;
    moduleText: string;
}

export async function runSerializedHandler<T>(
    factory: () => unknown,
    event: unknown,
    env: Record<string, string>,
    functionName: string,
    timeoutMs = 30_000,
): Promise<SerializedRun<T>> {
    const serialized = await serializeHandler(factory);
    await fs.mkdir(path.join(REPO_ROOT, ".fanout"), { recursive: true });
    const dir = await fs.mkdtemp(path.join(REPO_ROOT, ".fanout", `callback-${functionName}-`));
    try {
        const files = { module: path.join(dir, "__index.js"), invoke: path.join(dir, "invoke.js"), event: path.join(dir, "event.json"), result: path.join(dir, "result.json") };
        await fs.writeFile(files.module, serialized.text);
        await fs.writeFile(files.invoke, INVOKE_JS);
        await fs.writeFile(files.event, JSON.stringify(event));
        const { code, stdout, stderr } = await runNode([files.invoke, files.module, files.event, files.result, functionName, String(timeoutMs)], env, dir, timeoutMs);
        const outcome = JSON.parse(await fs.readFile(files.result, "utf8").catch(() => "null")) as { ok: boolean; result?: T; error?: string } | null;
        if (!outcome) throw new Error(`${functionName} exited with code ${code} without a result\n${stderr}\n${stdout}`);
        if (!outcome.ok) throw new Error(`${functionName} failed: ${outcome.error}\n${stderr}\n${stdout}`);
        return { result: outcome.result as T, logs: stdout + stderr, moduleText: serialized.text };
    } finally {
        await fs.rm(dir, { recursive: true, force: true });
    }
}

function runNode(args: string[], env: Record<string, string>, cwd: string, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs + 5000 });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (data: Buffer) => (stdout += data.toString()));
        child.stderr.on("data", (data: Buffer) => (stderr += data.toString()));
        child.once("error", reject);
        child.once("close", (code) => resolve({ code, stdout, stderr }));
    });
}
