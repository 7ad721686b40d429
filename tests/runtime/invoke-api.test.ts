import * as assert from "node:assert/strict";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { AsyncOnFailureRecord } from "../../runtime/event-sources/async-on-failure-record";
import { AsyncInvocationQueue } from "../../runtime/lambda/async-invocation-queue";
import type { FunctionPool } from "../../runtime/lambda/function-pool";
import { LambdaInvokeApi } from "../../runtime/lambda/invoke-api";
import { REGION, createQueue, drainQueue, startHarness, stopHarness, testFunction, waitUntil, type RuntimeHarness } from "../support/runtime-harness";

/**
 * The Invoke API stand-in, called with the real @aws-sdk/client-lambda, in front of real sandboxes:
 * RequestResponse and Event invocations, and the name formats and errors of the documented call
 * (docs.aws.amazon.com/lambda/latest/api/API_Invoke.html).
 */
describe("LambdaInvokeApi", function () {
    this.timeout(30_000);
    let harness: RuntimeHarness;
    let api: LambdaInvokeApi;
    let lambda: LambdaClient;
    const queues: AsyncInvocationQueue[] = [];

    // Echoes the event with the function name, or fails when the event asks it to.
    const ECHO = `exports.handler = async (event, context) => {
        if (event && event.fail) throw Object.assign(new Error("asked to fail: " + event.fail), { name: "AskedToFail" });
        return { echoed: event, functionName: context.functionName };
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

    function register(fn: FunctionPool, options: { onFailureQueueUrl?: string } = {}) {
        const events: unknown[] = [];
        const asyncQueue = new AsyncInvocationQueue({
            functionArn: fn.functionArn,
            invoke: (event, meta) => {
                events.push(event);
                return fn.invoke(event, meta);
            },
            retryDelaysMs: [20, 40],
            sqs: harness.sqs,
            ...options,
        });
        queues.push(asyncQueue);
        const name = fn.functionArn.split(":").pop()!;
        api.register({ functionName: name, functionArn: fn.functionArn, invoke: (event, meta) => fn.invoke(event, meta), asyncQueue });
        return { name, events, asyncQueue };
    }

    const payload = (value: unknown) => Buffer.from(JSON.stringify(value));
    const parsed = (bytes: Uint8Array | undefined) => JSON.parse(Buffer.from(bytes ?? []).toString("utf8"));

    it("answers a RequestResponse invocation with 200 and the function's response", async () => {
        const { name } = register(testFunction(harness, ECHO));
        const output = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: payload({ a: 1 }) }));
        assert.equal(output.StatusCode, 200);
        assert.equal(output.ExecutedVersion, "$LATEST");
        assert.equal(output.FunctionError, undefined);
        assert.deepEqual(parsed(output.Payload), { echoed: { a: 1 }, functionName: name });
    });

    it("answers a function error with 200, X-Amz-Function-Error: Unhandled and the error as payload", async () => {
        const { name } = register(testFunction(harness, ECHO));
        const output = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: payload({ fail: "now" }) }));
        assert.equal(output.StatusCode, 200);
        assert.equal(output.FunctionError, "Unhandled");
        const error = parsed(output.Payload);
        assert.equal(error.errorType, "AskedToFail");
        assert.equal(error.errorMessage, "asked to fail: now");
        assert.ok(Array.isArray(error.trace));
    });

    it("queues an Event invocation, answers 202 before it runs, and runs it on the function's asynchronous path", async () => {
        const fn = testFunction(harness, `exports.handler = async (event) => { await new Promise((r) => setTimeout(r, 300)); return event; };`);
        const { name, events, asyncQueue } = register(fn);
        const output = await lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: "Event", Payload: payload({ step: 2 }) }));
        assert.equal(output.StatusCode, 202);
        assert.equal(asyncQueue.idle(), false, "the event is accepted and not finished yet");
        await waitUntil(() => asyncQueue.idle(), "the queued event has run");
        assert.deepEqual(events, [{ step: 2 }]);
        assert.deepEqual(asyncQueue.stats(), { accepted: 1, invocations: 1, failures: 0, retries: 0, sentToOnFailure: 0, dropped: 0, recursionStopped: 0, duplicated: 0 });
    });

    it("retries a failing Event invocation twice, then sends AWS's invocation record to the on-failure destination", async () => {
        const queueUrl = await createQueue(harness);
        const fn = testFunction(harness, ECHO);
        const { name, asyncQueue } = register(fn, { onFailureQueueUrl: queueUrl });
        await lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: "Event", Payload: payload({ fail: "always" }) }));
        await waitUntil(() => asyncQueue.idle(), "the retries are spent");
        const [record] = (await drainQueue(harness, queueUrl)) as AsyncOnFailureRecord[];
        assert.deepEqual(record.requestPayload, { fail: "always" });
        assert.equal(record.requestContext.condition, "RetriesExhausted");
        assert.equal(record.requestContext.approximateInvokeCount, 3);
        assert.equal(record.requestContext.functionArn, `${fn.functionArn}:$LATEST`);
        assert.equal(record.responsePayload.errorType, "AskedToFail");
    });

    it("accepts the function as a name, an ARN, a partial ARN and with the $LATEST qualifier", async () => {
        const fn = testFunction(harness, ECHO);
        const { name } = register(fn);
        for (const functionName of [name, fn.functionArn, `000000000000:function:${name}`, `${name}:$LATEST`, `${fn.functionArn}:$LATEST`]) {
            const output = await lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: payload({ via: functionName }) }));
            assert.deepEqual(parsed(output.Payload).echoed, { via: functionName }, functionName);
        }
    });

    it("answers ResourceNotFoundException for an unknown function, another account or another version", async () => {
        const { name } = register(testFunction(harness, ECHO));
        for (const functionName of ["no-such-function", `arn:aws:lambda:${REGION}:111111111111:function:${name}`, `${name}:7`]) {
            await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: functionName })), (error: Error) => {
                assert.equal(error.name, "ResourceNotFoundException", functionName);
                assert.match(error.message, /Function not found/);
                return true;
            });
        }
    });

    it("rejects an Event payload over 1 MB and a payload that is not JSON, with AWS's error codes", async () => {
        const { name, asyncQueue } = register(testFunction(harness, ECHO));
        await assert.rejects(
            lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: "Event", Payload: payload({ big: "x".repeat(1024 * 1024) }) })),
            { name: "RequestEntityTooLargeException" },
        );
        await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from("{not json") })), { name: "InvalidRequestContentException" });
        assert.equal(asyncQueue.stats().accepted, 0);
    });
});
