import * as assert from "node:assert/strict";
import { HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { S3Event } from "aws-lambda";
import type { AsyncOnFailureRecord } from "../../runtime/event-sources/async-on-failure-record";
import { encodeS3EventKey } from "../../runtime/event-sources/s3-event";
import { S3ObjectCreatedSource, type S3ObjectCreatedSourceOptions } from "../../runtime/event-sources/s3-object-created";
import type { FunctionPool, InvocationResult } from "../../runtime/lambda/function-pool";
import {
    REGION,
    createBucket,
    createQueue,
    drainQueue,
    startHarness,
    stopHarness,
    testFunction,
    waitUntil,
    type RuntimeHarness,
} from "../support/runtime-harness";

/**
 * The S3 trigger: a bucket notification for new objects, delivered as Lambda's asynchronous
 * invocation with its retries and on-failure destination, on real fauxqs and real sandboxes.
 */
describe("S3ObjectCreatedSource", function () {
    this.timeout(30_000);
    let harness: RuntimeHarness;
    const sources: S3ObjectCreatedSource[] = [];

    before(async () => {
        harness = await startHarness();
    });
    afterEach(async () => {
        await Promise.all(sources.splice(0).map((source) => source.stop()));
    });
    after(async () => {
        await stopHarness(harness);
    });

    function source(bucket: string, fn: FunctionPool, options: Partial<S3ObjectCreatedSourceOptions> = {}) {
        const events: S3Event[] = [];
        const results: InvocationResult[] = [];
        const created = new S3ObjectCreatedSource({
            s3: harness.s3,
            sqs: harness.sqs,
            bucket,
            prefix: "",
            suffix: "",
            region: REGION,
            functionArn: fn.functionArn,
            pollIntervalMs: 20,
            retryDelaysMs: [50, 100],
            invoke: async (event) => {
                events.push(event);
                const result = await fn.invoke(event);
                results.push(result);
                return result;
            },
            ...options,
        });
        sources.push(created);
        return { source: created, events, results };
    }

    const put = (bucket: string, key: string, body: string) => harness.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));

    it("encodes keys as S3 events do: URL-encoded, + for a space, slashes kept", () => {
        // notification-content-structure: "The object key name value is URL encoded. For example,
        // "red flower.jpg" becomes "red+flower.jpg"".
        assert.equal(encodeS3EventKey("red flower.jpg"), "red+flower.jpg");
        assert.equal(encodeS3EventKey("in/a+b=c&d é.jsonl"), "in/a%2Bb%3Dc%26d+%C3%A9.jsonl");
        assert.equal(decodeURIComponent(encodeS3EventKey("x y+z/é").replace(/\+/g, " ")), "x y+z/é");
    });

    it("invokes the function with an AWS-shaped ObjectCreated event for a new object", async () => {
        // notification-content-structure: version 2.1 of the event; "s3": { "object": { "key", "size",
        // "eTag", "sequencer" } }.
        const bucket = await createBucket(harness);
        const { source: s3Source, events } = source(bucket, testFunction(harness, `exports.handler = async () => "ok";`));
        s3Source.start();

        await put(bucket, "in/red flower+1.jsonl", "0123456789");
        await waitUntil(() => events.length === 1 && s3Source.idle(), "the object's event is delivered");

        const head = await harness.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "in/red flower+1.jsonl" }));
        const [record] = events[0].Records;
        assert.equal(events[0].Records.length, 1);
        assert.equal(record.eventVersion, "2.1");
        assert.equal(record.eventSource, "aws:s3");
        assert.equal(record.eventName, "ObjectCreated:Put");
        assert.equal(record.awsRegion, REGION);
        assert.ok(!Number.isNaN(Date.parse(record.eventTime)));
        assert.equal(record.s3.s3SchemaVersion, "1.0");
        assert.deepEqual(record.s3.bucket.name, bucket);
        assert.equal(record.s3.bucket.arn, `arn:aws:s3:::${bucket}`);
        assert.equal(record.s3.object.key, "in/red+flower%2B1.jsonl");
        assert.equal(record.s3.object.size, 10);
        assert.equal(record.s3.object.eTag, head.ETag?.replace(/"/g, ""));
        assert.match(record.s3.object.sequencer, /^[0-9A-F]+$/);
        assert.deepEqual(s3Source.stats(), { objectsSeen: 1, invocations: 1, failures: 0, retries: 0, sentToOnFailure: 0, dropped: 0 });
    });

    it("only notifies about new objects that match the prefix and suffix", async () => {
        const bucket = await createBucket(harness);
        await put(bucket, "in/before-start.jsonl", "old");
        const { source: s3Source, events } = source(bucket, testFunction(harness, `exports.handler = async () => "ok";`), {
            prefix: "in/",
            suffix: ".jsonl",
        });
        // Objects from before start() are not events, even in start()'s own second (S3 keeps whole seconds).
        await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 10));
        s3Source.start();

        await put(bucket, "out/x.jsonl", "no");
        await put(bucket, "in/x.txt", "no");
        await put(bucket, "in/new.jsonl", "yes");
        await waitUntil(() => events.length === 1 && s3Source.idle(), "the matching object's event is delivered");
        await put(bucket, "in/new.jsonl", "yes, a new version");
        await waitUntil(() => events.length === 2 && s3Source.idle(), "the new version's event is delivered");

        assert.deepEqual(
            events.map((event) => event.Records[0].s3.object.key),
            ["in/new.jsonl", "in/new.jsonl"],
        );
    });

    it("retries a failed asynchronous invocation twice, then sends AWS's invocation record to the on-failure queue", async () => {
        // invocation-async-error-handling: "If the function returns an error, by default Lambda attempts to run
        // it two more times, with a one-minute wait between the first two attempts, and two minutes between
        // the second and third attempts." (shortened here to 50 ms and 100 ms)
        // invocation-async-retain-records: "The following example shows an invocation record for an event that
        // failed three processing attempts due to a function error." with "condition": "RetriesExhausted".
        const bucket = await createBucket(harness);
        const queueUrl = await createQueue(harness);
        const fn = testFunction(harness, `exports.handler = async () => { throw new TypeError("not a products file"); };`);
        const { source: s3Source, events, results } = source(bucket, fn, { onFailureQueueUrl: queueUrl });
        s3Source.start();

        await put(bucket, "bad.jsonl", "x");
        await waitUntil(() => s3Source.stats().sentToOnFailure === 1 && s3Source.idle(), "the retries are used up");

        assert.equal(events.length, 3);
        assert.deepEqual(s3Source.stats(), { objectsSeen: 1, invocations: 3, failures: 3, retries: 2, sentToOnFailure: 1, dropped: 0 });
        const [record, ...others] = (await drainQueue(harness, queueUrl)) as AsyncOnFailureRecord[];
        assert.deepEqual(others, []);
        assert.equal(record.version, "1.0");
        assert.ok(!Number.isNaN(Date.parse(record.timestamp)));
        assert.deepEqual(record.requestContext, {
            requestId: results[2].requestId,
            functionArn: `${fn.functionArn}:$LATEST`,
            condition: "RetriesExhausted",
            approximateInvokeCount: 3,
        });
        assert.deepEqual(record.requestPayload, events[0]);
        assert.deepEqual(record.responseContext, { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" });
        assert.equal(record.responsePayload.errorType, "TypeError");
        assert.equal(record.responsePayload.errorMessage, "not a products file");
    });

    it("stops retrying once an invocation succeeds", async () => {
        // invocation-retries: "Asynchronous invocation – Lambda retries function errors twice."
        const bucket = await createBucket(harness);
        const queueUrl = await createQueue(harness);
        const fn = testFunction(harness, `let calls = 0; exports.handler = async () => { if (++calls === 1) throw new Error("flaky"); return "ok"; };`, {
            reservedConcurrency: 1,
        });
        const { source: s3Source, results } = source(bucket, fn, { onFailureQueueUrl: queueUrl });
        s3Source.start();

        await put(bucket, "flaky.jsonl", "x");
        await waitUntil(() => results.length === 2 && s3Source.idle(), "the retry succeeds");

        assert.deepEqual(
            results.map((result) => result.ok),
            [false, true],
        );
        assert.deepEqual(await drainQueue(harness, queueUrl), []);
    });
});
