import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { FunctionPool, type FunctionDefinition } from "../../runtime/lambda/function-pool";
import { serializeHandler } from "../../runtime/lambda/serialize-handler";
import { tempDir } from "../support/temp-dir";

/**
 * The Lambda emulation on real sandbox processes. These need no stand-ins: each test function is a
 * few lines of module text (or a serialized factory), so it can fail, hang or crash on demand.
 * Where no AWS sentence applies, the comment quotes issue 3, the project's specification.
 */
describe("FunctionPool", function () {
    this.timeout(30_000);
    const pools: FunctionPool[] = [];

    function pool(text: string, overrides: Partial<FunctionDefinition> = {}, logs?: ConstructorParameters<typeof FunctionPool>[1]): FunctionPool {
        const created = new FunctionPool(
            { functionName: "test-fn", handler: { text, exportName: "handler" }, environment: {}, memoryMb: 256, timeoutSeconds: 5, region: "us-east-1", ...overrides },
            logs,
        );
        pools.push(created);
        return created;
    }

    afterEach(async () => {
        await Promise.all(pools.splice(0).map((created) => created.close()));
    });

    it("starts a sandbox only when every sandbox is busy, and reuses an idle one warm", async () => {
        // Issue 3: "The code runs in separate, long-lived Node processes, one per concurrent execution,
        // the way Lambda's execution environments work." and "Cold and warm starts are counted."
        const fn = pool(`exports.handler = async (event) => { await new Promise((r) => setTimeout(r, event.ms)); return process.pid; };`);

        const first = await fn.invoke({ ms: 0 });
        const second = await fn.invoke({ ms: 0 });
        const concurrent = await Promise.all([fn.invoke({ ms: 300 }), fn.invoke({ ms: 300 }), fn.invoke({ ms: 300 })]);

        assert.equal(first.coldStart, true);
        assert.equal(second.coldStart, false);
        assert.equal(second.payload, first.payload, "the warm invocation ran in the same process");
        assert.deepEqual(concurrent.map((result) => result.coldStart).sort(), [false, true, true]);
        assert.equal(new Set(concurrent.map((result) => result.payload)).size, 3, "three concurrent invocations ran in three processes");
        assert.deepEqual(
            { invocations: fn.stats().invocations, coldStarts: fn.stats().coldStarts, maxConcurrency: fn.stats().maxConcurrency, sandboxes: fn.stats().sandboxes },
            { invocations: 5, coldStarts: 3, maxConcurrency: 3, sandboxes: 3 },
        );
    });

    it("never runs more sandboxes than the reserved concurrency", async () => {
        const fn = pool(`exports.handler = async () => { await new Promise((r) => setTimeout(r, 150)); return process.pid; };`, { reservedConcurrency: 2 });

        const results = await Promise.all([1, 2, 3, 4, 5].map(() => fn.invoke({})));

        assert.ok(results.every((result) => result.ok));
        assert.equal(new Set(results.map((result) => result.payload)).size, 2);
        assert.equal(fn.stats().maxConcurrency, 2);
        assert.equal(fn.stats().coldStarts, 2);
    });

    it("gives the handler only the function's variables and Lambda's own, not the runtime's environment", async () => {
        // Issue 3: "Each gets the function's environment variables and a Lambda-shaped context".
        process.env.KINESIS_FANOUT_PARENT_SECRET = "must-not-leak";
        try {
            const fn = pool(`exports.handler = async () => process.env;`, {
                functionName: "env-fn",
                memoryMb: 512,
                environment: { OUTPUT_BUCKET: "out", AWS_ENDPOINT_URL_S3: "http://127.0.0.1:1" },
            });

            const { payload } = await fn.invoke({});
            const env = payload as Record<string, string>;

            assert.equal(env.KINESIS_FANOUT_PARENT_SECRET, undefined);
            assert.equal(env.NODE_OPTIONS, undefined);
            assert.equal(env.OUTPUT_BUCKET, "out");
            assert.equal(env.AWS_ENDPOINT_URL_S3, "http://127.0.0.1:1");
            assert.equal(env.AWS_REGION, "us-east-1");
            assert.equal(env.AWS_DEFAULT_REGION, "us-east-1");
            assert.equal(env.AWS_LAMBDA_FUNCTION_NAME, "env-fn");
            assert.equal(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, "512");
            assert.equal(env.AWS_LAMBDA_FUNCTION_VERSION, "$LATEST");
            assert.equal(env.AWS_EXECUTION_ENV, "AWS_Lambda_nodejs22.x");
            assert.ok(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY, "dummy credentials are set");
        } finally {
            delete process.env.KINESIS_FANOUT_PARENT_SECRET;
        }
    });

    it("rejects a function environment that sets a variable Lambda reserves", () => {
        assert.throws(() => pool(`exports.handler = async () => 1;`, { environment: { AWS_REGION: "eu-west-1" } }), /AWS_REGION is reserved by Lambda/);
    });

    it("passes a Lambda-shaped context with the time left before the timeout", async () => {
        const fn = pool(
            `exports.handler = async (event, context) => ({ ...context, remaining: context.getRemainingTimeInMillis() });`,
            { functionName: "ctx-fn", timeoutSeconds: 3, memoryMb: 128 },
        );

        const result = await fn.invoke({});
        const context = result.payload as Record<string, unknown>;

        assert.equal(context.awsRequestId, result.requestId);
        assert.equal(context.functionName, "ctx-fn");
        assert.equal(context.functionVersion, "$LATEST");
        assert.equal(context.invokedFunctionArn, "arn:aws:lambda:us-east-1:000000000000:function:ctx-fn");
        assert.equal(context.memoryLimitInMB, "128");
        assert.equal(context.logGroupName, "/aws/lambda/ctx-fn");
        assert.match(context.logStreamName as string, /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
        assert.equal(context.callbackWaitsForEmptyEventLoop, true);
        assert.ok((context.remaining as number) > 2000 && (context.remaining as number) <= 3000);
    });

    it("reports a thrown error as a failed invocation with its type and message", async () => {
        const fn = pool(`exports.handler = async () => { throw new RangeError("id out of range"); };`);

        const result = await fn.invoke({});

        assert.equal(result.ok, false);
        assert.equal(result.errorType, "RangeError");
        assert.equal(result.errorMessage, "id out of range");
        assert.equal(fn.stats().errors, 1);
    });

    it("kills a sandbox that runs past the timeout, fails that invocation, and starts a new one next time", async () => {
        // Issue 3: "The timeout is enforced: a sandbox that runs past it is killed, and that invocation fails."
        const fn = pool(`exports.handler = async (event) => { if (event.hang) await new Promise(() => setInterval(() => {}, 1000)); return process.pid; };`, {
            timeoutSeconds: 0.5,
        });
        const before = await fn.invoke({});

        const timedOut = await fn.invoke({ hang: true });
        const after = await fn.invoke({});

        assert.equal(timedOut.ok, false);
        assert.equal(timedOut.errorType, "Sandbox.Timedout");
        assert.match(timedOut.errorMessage as string, /Task timed out after 0\.50 seconds/);
        assert.equal(after.ok, true);
        assert.equal(after.coldStart, true);
        assert.notEqual(after.payload, before.payload, "the killed process was replaced");
        assert.equal(fn.stats().timeouts, 1);
    });

    it("enforces the memory size as the heap limit: a handler that outgrows it fails the invocation", async () => {
        // Issue 3: "The memory size is enforced as a heap limit."
        const fn = pool(`exports.handler = async () => { const hog = []; for (;;) hog.push(new Array(1e5).fill(Math.random())); };`, { memoryMb: 128 });

        const result = await fn.invoke({});

        assert.equal(result.ok, false);
        assert.equal(result.errorType, "Runtime.OutOfMemory");
        assert.equal(fn.stats().crashes, 1);
    });

    it("fails the invocation with Runtime.ExitError when the handler exits the process", async () => {
        const fn = pool(`exports.handler = async () => process.exit(3);`);

        const result = await fn.invoke({});

        assert.equal(result.errorType, "Runtime.ExitError");
        assert.match(result.errorMessage as string, /exit status 3/);
    });

    it("runs a module serialized by Pulumi, whose require() of a package resolves in the repository's node_modules", async () => {
        const handler = await serializeHandler(() => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const { S3Client } = require("@aws-sdk/client-s3");
            const client = new S3Client({});
            return async (event: { name: string }) => ({ greeting: `hello ${event.name}`, region: await client.config.region() });
        });
        const fn = new FunctionPool({ functionName: "serialized", handler, environment: {}, memoryMb: 256, timeoutSeconds: 5, region: "eu-west-1" });
        pools.push(fn);

        const result = await fn.invoke({ name: "world" });

        assert.deepEqual(result.payload, { greeting: "hello world", region: "eu-west-1" });
    });

    it("writes the handler's console output to the log file, in Lambda's line format, and not to the terminal", async () => {
        const logFile = path.join(tempDir("pool-logs-"), "fn.log");
        const fn = pool(`exports.handler = async () => { console.log("processed %d records", 7); return 1; };`, {}, { logs: { kind: "file", path: logFile } });

        const result = await fn.invoke({});
        await fn.close();

        const text = fs.readFileSync(logFile, "utf8");
        assert.match(text, new RegExp(`\\t${result.requestId}\\tINFO\\tprocessed 7 records`));
    });

    it("hands every chunk of a sandbox's stdout to the log tap, raw, while the logs themselves are discarded", async () => {
        const tapped: string[] = [];
        const fn = pool(`exports.handler = async () => { process.stdout.write('{"_aws":{"CloudWatchMetrics":[]}}\\n'); return 1; };`, {}, { onLog: (_stream, text) => tapped.push(text) });

        await fn.invoke({});
        await fn.close();

        assert.ok(tapped.join("").split("\n").includes('{"_aws":{"CloudWatchMetrics":[]}}'), tapped.join(""));
    });
});
