import * as assert from "node:assert/strict";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { AsyncOnFailureRecord } from "../../runtime/event-sources/async-on-failure-record";
import { AsyncInvocationQueue } from "../../runtime/lambda/async-invocation-queue";
import type { FunctionPool, InvocationMeta } from "../../runtime/lambda/function-pool";
import { LambdaInvokeApi } from "../../runtime/lambda/invoke-api";
import type { RecursiveLoop } from "../../runtime/lambda/recursion-detection";
import { REGION, createQueue, drainQueue, startHarness, stopHarness, testFunction, waitUntil, type RuntimeHarness } from "../support/runtime-harness";

/**
 * Lambda's asynchronous path as AWS documents it, with real sandboxes, the real SDK inside them and
 * the Invoke API stand-in: recursive loop detection (the SDK forwards the trace header), one request
 * id per event across retries, duplicate deliveries, and the on-failure record's error fields.
 */
describe("Lambda's asynchronous invocations (issue 11)", function () {
    this.timeout(60_000);
    let harness: RuntimeHarness;
    let api: LambdaInvokeApi;
    let lambda: LambdaClient;
    const queues: AsyncInvocationQueue[] = [];

    // Invokes itself asynchronously, through the SDK, until `remaining` is 0.
    const SELF_INVOKER = `const { LambdaClient, InvokeCommand } = require("@aws-sdk/client-lambda");
        const lambda = new LambdaClient({ maxAttempts: 1 });
        exports.handler = async (event, context) => {
            if (event.remaining > 0) {
                await lambda.send(new InvokeCommand({ FunctionName: context.functionName, InvocationType: "Event", Payload: JSON.stringify({ remaining: event.remaining - 1, hop: event.hop + 1 }) }));
            }
            return event;
        };`;

    before(async () => {
        harness = await startHarness();
        api = await LambdaInvokeApi.start({ region: REGION, accountId: "000000000000" });
        lambda = new LambdaClient({
            region: REGION,
            endpoint: api.endpoint,
            credentials: { accessKeyId: "local", secretAccessKey: "local" },
            requestHandler: new NodeHttpHandler(),
            maxAttempts: 1,
        });
    });
    afterEach(async () => {
        await Promise.all(queues.splice(0).map((queue) => queue.stop()));
    });
    after(async () => {
        lambda?.destroy();
        await api?.close();
        await stopHarness(harness);
    });

    function register(fn: FunctionPool, options: { onFailureQueueUrl?: string; recursiveLoop?: RecursiveLoop; duplicates?: () => boolean } = {}) {
        const attempts: Array<{ event: unknown; meta: InvocationMeta }> = [];
        const asyncQueue = new AsyncInvocationQueue({
            functionArn: fn.functionArn,
            invoke: (event, meta) => {
                attempts.push({ event, meta });
                return fn.invoke(event, meta);
            },
            retryDelaysMs: [20, 40],
            sqs: harness.sqs,
            ...options,
        });
        queues.push(asyncQueue);
        const name = fn.functionArn.split(":").pop()!;
        api.register({ functionName: name, functionArn: fn.functionArn, invoke: (event, meta) => fn.invoke(event, meta), asyncQueue, recursiveLoop: options.recursiveLoop });
        return { name, attempts, asyncQueue };
    }

    const payload = (value: unknown) => Buffer.from(JSON.stringify(value));

    async function runChain(recursiveLoop: RecursiveLoop | undefined, queueUrl: string) {
        const fn = testFunction(harness, SELF_INVOKER, { environment: { AWS_ENDPOINT_URL_LAMBDA: api.endpoint } });
        const registered = register(fn, { onFailureQueueUrl: queueUrl, recursiveLoop });
        await lambda.send(new InvokeCommand({ FunctionName: registered.name, InvocationType: "Event", Payload: payload({ remaining: 24, hop: 1 }) }));
        await waitUntil(() => registered.asyncQueue.idle() && registered.asyncQueue.stats().accepted > 1, "the chain has ended", 50_000);
        return registered;
    }

    it("stops a chain of self-invokes after 16 invocations under Lambda's default, and sends the stopped event to the on-failure destination", async () => {
        const queueUrl = await createQueue(harness);
        const { attempts, asyncQueue } = await runChain(undefined, queueUrl);
        assert.deepEqual(attempts.map((attempt) => (attempt.event as { hop: number }).hop), Array.from({ length: 16 }, (_, index) => index + 1));
        assert.equal(asyncQueue.stats().recursionStopped, 1);
        const [record] = (await drainQueue(harness, queueUrl)) as AsyncOnFailureRecord[];
        assert.deepEqual(record.requestPayload, { remaining: 8, hop: 17 });
        assert.equal(record.responsePayload.errorType, "RecursiveInvocationException");
    });

    it("lets the chain run to its end when the function's recursion config is Allow", async () => {
        const queueUrl = await createQueue(harness);
        const { attempts, asyncQueue } = await runChain("Allow", queueUrl);
        assert.equal(attempts.length, 25);
        assert.equal(asyncQueue.stats().recursionStopped, 0);
        assert.deepEqual(await drainQueue(harness, queueUrl), []);
    });

    it("answers a synchronous Invoke deeper than 16 in its chain with RecursiveInvocationException", async () => {
        const fn = testFunction(harness, `exports.handler = async (event) => event;`);
        const { name } = register(fn);
        const lineage = `Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0;Lineage=${(await import("node:crypto")).createHash("sha256").update(fn.functionArn).digest("hex").slice(0, 8)}:16`;
        const deep = new LambdaClient({ region: REGION, endpoint: api.endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" }, requestHandler: new NodeHttpHandler(), maxAttempts: 1 });
        deep.middlewareStack.add((next) => (args) => {
            (args.request as { headers: Record<string, string> }).headers["X-Amzn-Trace-Id"] = lineage;
            return next(args);
        }, { step: "build" });
        await assert.rejects(deep.send(new InvokeCommand({ FunctionName: name, Payload: payload({}) })), { name: "RecursiveInvocationException" });
        deep.destroy();
    });

    it("keeps one request id across an event's retries, the one the 202 answered with, and reports the error's `trace`", async () => {
        const queueUrl = await createQueue(harness);
        const fn = testFunction(harness, `exports.handler = async (event, context) => { throw new Error("request " + context.awsRequestId); };`);
        const { name, attempts, asyncQueue } = register(fn, { onFailureQueueUrl: queueUrl });
        const output = await lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: "Event", Payload: payload({ n: 1 }) }));
        await waitUntil(() => asyncQueue.idle(), "the retries are spent");
        const requestId = output.$metadata.requestId;
        assert.ok(requestId);
        assert.deepEqual(attempts.map((attempt) => attempt.meta.requestId), [requestId, requestId, requestId]);
        const [record] = (await drainQueue(harness, queueUrl)) as AsyncOnFailureRecord[];
        assert.equal(record.requestContext.requestId, requestId);
        assert.equal(record.responsePayload.errorMessage, `request ${requestId}`);
        assert.ok(Array.isArray(record.responsePayload.trace) && !("stackTrace" in record.responsePayload), JSON.stringify(record.responsePayload));
    });

    it("delivers a duplicated event a second time under its own request id", async () => {
        const fn = testFunction(harness, `exports.handler = async (event) => event;`);
        const { name, attempts, asyncQueue } = register(fn, { duplicates: () => true });
        await lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: "Event", Payload: payload({ n: 2 }) }));
        await waitUntil(() => asyncQueue.idle() && attempts.length === 2, "both deliveries ran");
        assert.deepEqual(attempts.map((attempt) => attempt.event), [{ n: 2 }, { n: 2 }]);
        assert.notEqual(attempts[0].meta.requestId, attempts[1].meta.requestId);
        assert.equal(asyncQueue.stats().duplicated, 1);
    });
});
