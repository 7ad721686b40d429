import * as assert from "node:assert/strict";
import type { KinesisEventSourceMapping } from "../../runtime/event-sources/kinesis-event-source-mapping";
import type { KinesisOnFailureRecord } from "../../runtime/event-sources/kinesis-on-failure-record";
import {
    createQueue,
    createStream,
    drainQueue,
    putRecords,
    recordTexts,
    startHarness,
    stopHarness,
    testFunction,
    waitUntil,
    type RuntimeHarness,
} from "../support/runtime-harness";
import { recordedMapping } from "../support/runtime-mapping";

/**
 * How the event source mapping handles a batch that fails, on real kinesalite, fauxqs (the
 * on-failure queue) and real sandboxes. Each test function decides from the records' data whether
 * to fail, so the tests can make a batch fail exactly where they need.
 */
describe("KinesisEventSourceMapping: failures, retries and the on-failure destination", function () {
    this.timeout(60_000);
    let harness: RuntimeHarness;
    const mappings: KinesisEventSourceMapping[] = [];

    before(async () => {
        harness = await startHarness();
    });
    afterEach(async () => {
        await Promise.all(mappings.splice(0).map((mapping) => mapping.stop()));
    });
    after(async () => {
        await stopHarness(harness);
    });

    const texts = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => `${prefix}${index}`);
    const records = (data: string[]) => data.map((text) => ({ key: "k", data: text }));
    /** Module text: fails (throws) on any record whose data starts with "bad". */
    const failsOnBad = `exports.handler = async (event) => {
        const bad = event.Records.find((r) => Buffer.from(r.kinesis.data, "base64").toString().startsWith("bad"));
        if (bad) throw new Error("cannot process " + bad.kinesis.sequenceNumber);
        return event.Records.length;
    };`;

    it("with ReportBatchItemFailures, resumes from the lowest failed sequence number", async () => {
        // services-kinesis-batchfailurereporting: "If the batchItemFailures array contains multiple items,
        // Lambda uses the record with the lowest sequence number as the checkpoint. Lambda then retries all
        // records starting from that checkpoint."
        const stream = await createStream(harness);
        await putRecords(harness, stream.streamName, records(texts("r", 6)));
        // Reports r3 and r5 as failed the first time it sees them.
        const fn = testFunction(
            harness,
            `const seen = new Set();
            exports.handler = async (event) => ({
                batchItemFailures: event.Records
                    .filter((r) => ["r3", "r5"].includes(Buffer.from(r.kinesis.data, "base64").toString()))
                    .filter((r) => !seen.has(r.kinesis.sequenceNumber) && seen.add(r.kinesis.sequenceNumber))
                    .reverse()
                    .map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })),
            });`,
            { reservedConcurrency: 1 },
        );
        const { mapping, events } = recordedMapping(harness, stream, fn, { reportBatchItemFailures: true });
        mappings.push(mapping);

        await mapping.start();
        await mapping.drained();

        assert.deepEqual(events.map(recordTexts), [texts("r", 6), ["r3", "r4", "r5"]]);
        assert.equal(mapping.stats().retries, 1);
        assert.equal(mapping.stats().recordsCheckpointed, 6);
    });

    for (const [what, response] of [
        ["an empty itemIdentifier", `{ batchItemFailures: [{ itemIdentifier: "" }] }`],
        ["an itemIdentifier with a bad key name", `{ batchItemFailures: [{ ItemIdentifier: event.Records[1].kinesis.sequenceNumber }] }`],
        ["an itemIdentifier that is not in the batch", `{ batchItemFailures: [{ itemIdentifier: "1" + event.Records[0].kinesis.sequenceNumber }] }`],
    ]) {
        it(`with ReportBatchItemFailures, retries the whole batch when the response has ${what}`, async () => {
            // services-kinesis-batchfailurereporting: "Lambda treats a batch as a complete failure if you return
            // any of the following: An empty string itemIdentifier / A null itemIdentifier / An itemIdentifier
            // with a bad key name"
            const stream = await createStream(harness);
            await putRecords(harness, stream.streamName, records(texts("r", 3)));
            const fn = testFunction(harness, `let calls = 0; exports.handler = async (event) => (++calls === 1 ? ${response} : null);`, {
                reservedConcurrency: 1,
            });
            const { mapping, events } = recordedMapping(harness, stream, fn, { reportBatchItemFailures: true });
            mappings.push(mapping);

            await mapping.start();
            await mapping.drained();

            assert.deepEqual(events.map(recordTexts), [texts("r", 3), texts("r", 3)]);
        });
    }

    it("treats an empty batchItemFailures list as success, and ignores the list when ReportBatchItemFailures is off", async () => {
        // services-kinesis-batchfailurereporting: "Lambda treats a batch as a complete success if you return any
        // of the following: An empty batchItemFailure list ..." and "Even when your function code returns
        // partial batch failure responses, these responses will not be processed by Lambda unless the
        // ReportBatchItemFailures feature is explicitly turned on for your event source mapping."
        const stream = await createStream(harness);
        await putRecords(harness, stream.streamName, records(texts("r", 3)));
        const empty = recordedMapping(harness, stream, testFunction(harness, `exports.handler = async () => ({ batchItemFailures: [] });`), {
            reportBatchItemFailures: true,
        });
        const off = recordedMapping(
            harness,
            stream,
            testFunction(harness, `exports.handler = async (event) => ({ batchItemFailures: [{ itemIdentifier: event.Records[0].kinesis.sequenceNumber }] });`),
            { reportBatchItemFailures: false },
        );
        mappings.push(empty.mapping, off.mapping);

        await Promise.all([empty.mapping.start(), off.mapping.start()]);
        await Promise.all([empty.mapping.drained(), off.mapping.drained()]);

        assert.equal(empty.events.length, 1);
        assert.equal(off.events.length, 1);
    });

    it("bisects a failing batch until the bad record is alone, and a split is not a retry", async () => {
        // with-kinesis (2022 source): "For function errors, you can also configure the event source mapping to
        // split a failed batch into two batches. Retrying with smaller batches isolates bad records and works
        // around timeout issues. Splitting a batch does not count towards the retry quota."
        const stream = await createStream(harness);
        const data = ["r0", "r1", "r2", "r3", "r4", "bad5", "r6", "r7"];
        await putRecords(harness, stream.streamName, records(data));
        const queueUrl = await createQueue(harness);
        const { mapping, events } = recordedMapping(
            harness,
            stream,
            testFunction(harness, failsOnBad),
            { bisectBatchOnFunctionError: true, maximumRetryAttempts: 0 },
            { onFailureQueueUrl: queueUrl },
        );
        mappings.push(mapping);

        await mapping.start();
        await mapping.drained();

        assert.deepEqual(events.map(recordTexts), [data, data.slice(0, 4), data.slice(4), ["r4", "bad5"], ["r4"], ["bad5"], ["r6", "r7"]]);
        assert.equal(mapping.stats().bisections, 3);
        assert.equal(mapping.stats().retries, 0);
        const [message, ...others] = (await drainQueue(harness, queueUrl)) as KinesisOnFailureRecord[];
        assert.deepEqual(others, []);
        assert.equal(message.KinesisBatchInfo.batchSize, 1);
        assert.equal(message.KinesisBatchInfo.startSequenceNumber, events[5].Records[0].kinesis.sequenceNumber);
    });

    it("retries a failing batch MaximumRetryAttempts times, then sends AWS's on-failure record and moves on", async () => {
        // kinesis-on-failure-destination: "During invocation: If the function is invoked but returns an error,
        // Lambda retries until the records expire, exceed the maximum age (MaximumRecordAgeInSeconds), or reach
        // the configured retry quota (MaximumRetryAttempts)." The record follows that page's "Example
        // invocation record" (requestContext, responseContext, version, timestamp, KinesisBatchInfo).
        const stream = await createStream(harness);
        await putRecords(harness, stream.streamName, records(["bad0", "bad1", "bad2"]));
        const queueUrl = await createQueue(harness);
        const fn = testFunction(harness, failsOnBad);
        const { mapping, events, results } = recordedMapping(harness, stream, fn, { maximumRetryAttempts: 2 }, { onFailureQueueUrl: queueUrl });
        mappings.push(mapping);

        await mapping.start();
        await mapping.drained();
        await putRecords(harness, stream.streamName, records(["good"]));
        await mapping.drained();

        assert.deepEqual(events.map(recordTexts), [["bad0", "bad1", "bad2"], ["bad0", "bad1", "bad2"], ["bad0", "bad1", "bad2"], ["good"]]);
        const messages = (await drainQueue(harness, queueUrl)) as KinesisOnFailureRecord[];
        assert.equal(messages.length, 1);
        const [message] = messages;
        const batch = events[0].Records;
        assert.deepEqual(message.requestContext, {
            requestId: results[2].requestId,
            functionArn: fn.functionArn,
            condition: "RetryAttemptsExhausted",
            approximateInvokeCount: 3,
        });
        assert.deepEqual(message.responseContext, { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" });
        assert.equal(message.version, "1.0");
        assert.ok(!Number.isNaN(Date.parse(message.timestamp)));
        assert.deepEqual(message.KinesisBatchInfo, {
            shardId: "shardId-000000000000",
            startSequenceNumber: batch[0].kinesis.sequenceNumber,
            endSequenceNumber: batch[2].kinesis.sequenceNumber,
            approximateArrivalOfFirstRecord: new Date(batch[0].kinesis.approximateArrivalTimestamp * 1000).toISOString(),
            approximateArrivalOfLastRecord: new Date(batch[2].kinesis.approximateArrivalTimestamp * 1000).toISOString(),
            batchSize: 3,
            streamArn: stream.streamArn,
        });
        assert.deepEqual(
            { retries: mapping.stats().retries, sent: mapping.stats().recordsSentToOnFailure, checkpointed: mapping.stats().recordsCheckpointed },
            { retries: 2, sent: 3, checkpointed: 4 },
        );
    });

    it("counts a timed-out invocation as a function error", async () => {
        const stream = await createStream(harness);
        await putRecords(harness, stream.streamName, records(["slow"]));
        const queueUrl = await createQueue(harness);
        const fn = testFunction(harness, `exports.handler = () => new Promise(() => {});`, { timeoutSeconds: 0.3 });
        const { mapping, results } = recordedMapping(harness, stream, fn, { maximumRetryAttempts: 1 }, { onFailureQueueUrl: queueUrl });
        mappings.push(mapping);

        await mapping.start();
        await mapping.drained();

        assert.deepEqual(
            results.map((result) => result.errorType),
            ["Sandbox.Timedout", "Sandbox.Timedout"],
        );
        const [message] = (await drainQueue(harness, queueUrl)) as KinesisOnFailureRecord[];
        assert.equal(message.requestContext.condition, "RetryAttemptsExhausted");
    });

    it("discards records older than MaximumRecordAgeInSeconds instead of retrying them forever, and never younger ones", async () => {
        // kinesis-on-failure-destination: "...Lambda retries until the records expire, exceed the maximum age
        // (MaximumRecordAgeInSeconds), or reach the configured retry quota (MaximumRetryAttempts)."
        // (AWS's minimum is 60 s; the local mapping accepts 1 s so that this test stays short.)
        // A record's age counts from its arrival in the stream, so how many attempts fit in that second
        // depends on the machine's load (a cold start alone can take longer). The test asserts only what
        // holds under any load: the records are discarded for their age, once, no sooner than they are
        // too old, and nothing is invoked with them afterwards.
        const maximumAgeMs = 1000;
        const stream = await createStream(harness);
        const fn = testFunction(harness, failsOnBad);
        await fn.invoke({ Records: [] }); // a warm sandbox, so that attempts usually fit before the records expire
        await putRecords(harness, stream.streamName, records(["bad0", "bad1"]));
        const queueUrl = await createQueue(harness);
        const invokedAtMs: number[] = [];
        const { mapping } = recordedMapping(
            harness,
            stream,
            fn,
            { maximumRetryAttempts: -1, maximumRecordAgeInSeconds: maximumAgeMs / 1000 },
            { onFailureQueueUrl: queueUrl, around: (_event, invoke) => (invokedAtMs.push(Date.now()), invoke()) },
        );
        mappings.push(mapping);

        await mapping.start();
        await waitUntil(() => mapping.stats().recordsSentToOnFailure === 2, "the records are too old", 30_000);
        await mapping.drained();

        const messages = (await drainQueue(harness, queueUrl)) as KinesisOnFailureRecord[];
        assert.equal(messages.length, 1);
        const [message] = messages;
        assert.equal(message.requestContext.condition, "RecordAgeExceeded");
        assert.equal(message.KinesisBatchInfo.batchSize, 2);
        const discardedAtMs = Date.parse(message.timestamp);
        const youngestArrivalMs = Date.parse(message.KinesisBatchInfo.approximateArrivalOfLastRecord);
        assert.ok(
            discardedAtMs - youngestArrivalMs >= maximumAgeMs,
            `discarded ${discardedAtMs - youngestArrivalMs} ms after the youngest record arrived, before it was ${maximumAgeMs} ms old`,
        );
        assert.deepEqual(invokedAtMs.filter((at) => at > discardedAtMs), [], "invoked with the records after they were discarded");
        assert.equal(mapping.stats().recordsCheckpointed, 2);
    });
});
