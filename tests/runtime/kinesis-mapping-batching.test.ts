import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { JsonFileCheckpointStore } from "../../runtime/event-sources/checkpoint-store";
import type { KinesisEventSourceMapping } from "../../runtime/event-sources/kinesis-event-source-mapping";
import { LAMBDA_PAYLOAD_MAX_BYTES } from "../../settings/parse";
import {
    createStream,
    putRecords,
    recordTexts,
    sleep,
    startHarness,
    stopHarness,
    testFunction,
    waitUntil,
    type RuntimeHarness,
} from "../support/runtime-harness";
import { recordedMapping } from "../support/runtime-mapping";
import { tempDir } from "../support/temp-dir";

/**
 * How the event source mapping reads a shard and forms batches, on real kinesalite and real
 * sandboxes. Quotes are from AWS's Lambda developer guide; "with-kinesis (2022 source)" is the
 * page as published in awsdocs/aws-lambda-developer-guide.
 */
describe("KinesisEventSourceMapping: reading and batching", function () {
    this.timeout(60_000);
    let harness: RuntimeHarness;
    const mappings: KinesisEventSourceMapping[] = [];
    const ok = `exports.handler = async (event) => event.Records.length;`;

    before(async () => {
        harness = await startHarness();
    });
    afterEach(async () => {
        await Promise.all(mappings.splice(0).map((mapping) => mapping.stop()));
    });
    after(async () => {
        await stopHarness(harness);
    });

    function lines(prefix: string, count: number, key = "k"): Array<{ key: string; data: string }> {
        return Array.from({ length: count }, (_, index) => ({ key, data: `${prefix}${index}` }));
    }

    it("sends AWS's Kinesis record event shape", async () => {
        // with-kinesis (2022 source), "Example Kinesis record event": kinesisSchemaVersion, partitionKey,
        // sequenceNumber, data (base64), approximateArrivalTimestamp; eventSource "aws:kinesis",
        // eventID "shardId-...:<sequenceNumber>", eventName "aws:kinesis:record", eventSourceARN.
        const stream = await createStream(harness);
        await putRecords(harness, stream.streamName, [{ key: "pk-1", data: "héllo" }]);
        const { mapping, events } = recordedMapping(harness, stream, testFunction(harness, ok), {});
        mappings.push(mapping);

        await mapping.start();
        await mapping.drained();

        const [record] = events[0].Records;
        assert.equal(record.eventSource, "aws:kinesis");
        assert.equal(record.eventVersion, "1.0");
        assert.equal(record.eventName, "aws:kinesis:record");
        assert.equal(record.awsRegion, "us-east-1");
        assert.equal(record.eventSourceARN, stream.streamArn);
        assert.match(record.invokeIdentityArn, /^arn:aws:iam::\d{12}:role\//);
        assert.equal(record.kinesis.kinesisSchemaVersion, "1.0");
        assert.equal(record.kinesis.partitionKey, "pk-1");
        assert.equal(Buffer.from(record.kinesis.data, "base64").toString("utf8"), "héllo");
        assert.match(record.kinesis.sequenceNumber, /^\d+$/);
        assert.equal(record.eventID, `shardId-000000000000:${record.kinesis.sequenceNumber}`);
        const arrival = record.kinesis.approximateArrivalTimestamp;
        assert.ok(Math.abs(arrival - Date.now() / 1000) < 60, `arrival ${arrival} is in seconds`);
    });

    it("sends at most BatchSize records per invocation, in shard order", async () => {
        // with-kinesis (2022 source): "Batch size – The number of records to send to the function in each
        // batch, up to 10,000."
        const stream = await createStream(harness);
        await putRecords(harness, stream.streamName, lines("r", 25));
        const { mapping, events } = recordedMapping(harness, stream, testFunction(harness, ok), { batchSize: 10 });
        mappings.push(mapping);

        await mapping.start();
        await mapping.drained();

        assert.deepEqual(
            events.map((event) => event.Records.length),
            [10, 10, 5],
        );
        assert.deepEqual(events.flatMap(recordTexts), lines("r", 25).map((line) => line.data));
    });

    it("keeps each invocation's payload within Lambda's 6 MB limit, whatever the batch size", async () => {
        // with-kinesis (2022 source): "Lambda passes all of the records in the batch to the function in a
        // single call, as long as the total size of the events doesn't exceed the payload limit for
        // synchronous invocation (6 MB)."
        const stream = await createStream(harness);
        const big = "x".repeat(900 * 1024);
        for (let index = 0; index < 10; index++) await putRecords(harness, stream.streamName, [{ key: "k", data: `${index}${big}` }]);
        const { mapping, events } = recordedMapping(harness, stream, testFunction(harness, ok), { batchSize: 100 });
        mappings.push(mapping);

        await mapping.start();
        await mapping.drained();

        const sizes = events.map((event) => Buffer.byteLength(JSON.stringify(event)));
        assert.ok(sizes.every((size) => size <= LAMBDA_PAYLOAD_MAX_BYTES), `payload sizes ${sizes}`);
        assert.ok(events.length >= 2);
        assert.equal(events.reduce((sum, event) => sum + event.Records.length, 0), 10);
    });

    it("with no batching window, invokes as soon as records are there", async () => {
        // with-kinesis (2022 source): "By default, Lambda invokes your function as soon as records are available."
        const stream = await createStream(harness);
        const { mapping, events } = recordedMapping(harness, stream, testFunction(harness, ok), { batchSize: 100 });
        mappings.push(mapping);
        await mapping.start();

        await putRecords(harness, stream.streamName, lines("a", 3));
        await waitUntil(() => events.length === 1, "the first records are sent");
        await putRecords(harness, stream.streamName, lines("b", 3));
        await mapping.drained();

        assert.deepEqual(events.map(recordTexts), [
            ["a0", "a1", "a2"],
            ["b0", "b1", "b2"],
        ]);
    });

    it("with a batching window, gathers records until the window passes", async () => {
        // with-kinesis (2022 source): "Before invoking the function, Lambda continues to read records from the
        // event source until it has gathered a full batch, the batching window expires, or the batch reaches
        // the payload limit of 6 MB."
        const stream = await createStream(harness);
        const { mapping, events } = recordedMapping(harness, stream, testFunction(harness, ok), {
            batchSize: 100,
            maximumBatchingWindowInSeconds: 1,
        });
        mappings.push(mapping);
        await mapping.start();
        // A first batch, so that a window is pending: it begins when that invocation completes.
        await putRecords(harness, stream.streamName, lines("x", 1));
        await waitUntil(() => events.length === 1, "the first batch");

        await putRecords(harness, stream.streamName, lines("a", 3));
        await sleep(200);
        await putRecords(harness, stream.streamName, lines("b", 3));
        await waitUntil(() => events.length === 2, "the window passes");
        await mapping.drained();

        assert.deepEqual(events.map(recordTexts), [["x0"], ["a0", "a1", "a2", "b0", "b1", "b2"]]);
    });

    it("with a batching window, sends a full batch without waiting for the window", async () => {
        const stream = await createStream(harness);
        const { mapping, events } = recordedMapping(harness, stream, testFunction(harness, ok), {
            batchSize: 3,
            maximumBatchingWindowInSeconds: 300,
        });
        mappings.push(mapping);
        await mapping.start();

        await putRecords(harness, stream.streamName, lines("a", 3));

        await waitUntil(() => events.length === 1, "the full batch is sent long before the 300 s window", 10_000);
        assert.deepEqual(recordTexts(events[0]), ["a0", "a1", "a2"]);
    });

    it("runs up to ParallelizationFactor batches of a shard at once, one key's records in order and never in two batches at once", async () => {
        // with-kinesis (2022 source): "You can also increase concurrency by processing multiple batches from
        // each shard in parallel. Lambda can process up to 10 batches in each shard simultaneously. If you
        // increase the number of concurrent batches per shard, Lambda still ensures in-order processing at
        // the shard level." (today's page: "...at the partition-key level").
        const stream = await createStream(harness);
        const keys = Array.from({ length: 8 }, (_, index) => `key-${index}`);
        const records = Array.from({ length: 20 }, (_, round) => keys.map((key) => ({ key, data: `${key}:${round}` }))).flat();
        await putRecords(harness, stream.streamName, records);
        const fn = testFunction(harness, `exports.handler = async () => { await new Promise((r) => setTimeout(r, 30)); };`);
        const inFlightKeys = new Set<string>();
        const overlaps: string[] = [];
        const processed = new Map<string, number[]>();
        const { mapping } = recordedMapping(
            harness,
            stream,
            fn,
            { batchSize: 5, parallelizationFactor: 4 },
            {
                around: async (event, invoke) => {
                    const texts = recordTexts(event);
                    const batchKeys = new Set(texts.map((text) => text.split(":")[0]));
                    for (const key of batchKeys) if (inFlightKeys.has(key)) overlaps.push(key);
                    batchKeys.forEach((key) => inFlightKeys.add(key));
                    const result = await invoke();
                    batchKeys.forEach((key) => inFlightKeys.delete(key));
                    for (const text of texts) {
                        const [key, round] = text.split(":");
                        processed.set(key, [...(processed.get(key) ?? []), Number(round)]);
                    }
                    return result;
                },
            },
        );
        mappings.push(mapping);

        await mapping.start();
        await mapping.drained();

        assert.deepEqual(overlaps, []);
        for (const key of keys) assert.deepEqual(processed.get(key), Array.from({ length: 20 }, (_, round) => round), `order of ${key}`);
        assert.ok(fn.stats().maxConcurrency > 1 && fn.stats().maxConcurrency <= 4, `max concurrency ${fn.stats().maxConcurrency}`);
    });

    it("with one partition key, gains nothing from ParallelizationFactor", async () => {
        const stream = await createStream(harness);
        await putRecords(harness, stream.streamName, lines("r", 30, "test"));
        const fn = testFunction(harness, `exports.handler = async () => { await new Promise((r) => setTimeout(r, 20)); };`);
        const { mapping, events } = recordedMapping(harness, stream, fn, { batchSize: 5, parallelizationFactor: 10 });
        mappings.push(mapping);

        await mapping.start();
        await mapping.drained();

        assert.equal(fn.stats().maxConcurrency, 1);
        assert.deepEqual(events.flatMap(recordTexts), lines("r", 30).map((line) => line.data));
    });

    it("starts from the position asked for: LATEST skips what is already there, AT_TIMESTAMP starts at a time", async () => {
        // with-kinesis (2022 source): "Latest – Process new records that are added to the stream. Trim horizon –
        // Process all records in the stream. At timestamp – Process records starting from a specific time."
        const stream = await createStream(harness);
        await putRecords(harness, stream.streamName, lines("old", 3));
        await sleep(50);
        const between = new Date();
        await sleep(50);
        await putRecords(harness, stream.streamName, lines("mid", 2));
        const latest = recordedMapping(harness, stream, testFunction(harness, ok), { startingPosition: "LATEST" });
        const atTimestamp = recordedMapping(harness, stream, testFunction(harness, ok), {
            startingPosition: "AT_TIMESTAMP",
            startingPositionTimestamp: between,
        });
        mappings.push(latest.mapping, atTimestamp.mapping);
        await latest.mapping.start();
        await atTimestamp.mapping.start();

        await putRecords(harness, stream.streamName, lines("new", 2));
        await latest.mapping.drained();
        await atTimestamp.mapping.drained();

        assert.deepEqual(latest.events.flatMap(recordTexts), ["new0", "new1"]);
        assert.deepEqual(atTimestamp.events.flatMap(recordTexts), ["mid0", "mid1", "new0", "new1"]);
    });

    it("checkpoints after each successful batch, so a restarted mapping continues after the last one", async () => {
        // services-kinesis-batchfailurereporting: "by default Lambda checkpoints to the highest sequence number
        // of a batch only when the batch is a complete success."
        const stream = await createStream(harness);
        const file = path.join(tempDir("checkpoints-"), "writer.json");
        await putRecords(harness, stream.streamName, lines("first", 7));
        const first = recordedMapping(harness, stream, testFunction(harness, ok), { batchSize: 3 }, { checkpoints: new JsonFileCheckpointStore(file) });
        await first.mapping.start();
        await first.mapping.drained();
        await first.mapping.stop();
        const lastSequenceNumber = first.events.at(-1)?.Records.at(-1)?.kinesis.sequenceNumber;

        await putRecords(harness, stream.streamName, lines("second", 2));
        const second = recordedMapping(harness, stream, testFunction(harness, ok), { batchSize: 3 }, { checkpoints: new JsonFileCheckpointStore(file) });
        mappings.push(second.mapping);
        await second.mapping.start();
        await second.mapping.drained();

        assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), { "shardId-000000000000": second.events.at(-1)?.Records.at(-1)?.kinesis.sequenceNumber });
        assert.equal(first.mapping.stats().recordsCheckpointed, 7);
        assert.ok(lastSequenceNumber);
        assert.deepEqual(second.events.flatMap(recordTexts), ["second0", "second1"]);
    });

    it("reports the iterator age: how old a batch's last record is when the batch finishes", async () => {
        // with-kinesis (2022 source): "Lambda emits the IteratorAge metric when your function finishes
        // processing a batch of records. The metric indicates how old the last record in the batch was when
        // processing finished."
        const stream = await createStream(harness);
        await putRecords(harness, stream.streamName, lines("r", 4));
        const fn = testFunction(harness, `exports.handler = async () => { await new Promise((r) => setTimeout(r, 100)); };`);
        const { mapping } = recordedMapping(harness, stream, fn, { batchSize: 1 });
        mappings.push(mapping);

        await mapping.start();
        await mapping.drained();

        const stats = mapping.stats();
        assert.equal(stats.iteratorAge.length, 4, "one sample per batch");
        // The fourth record waits for the three batches before it, and its own.
        assert.ok(stats.maxIteratorAgeMs >= 4 * 100, `max iterator age ${stats.maxIteratorAgeMs} ms`);
        assert.equal(stats.maxIteratorAgeMs, Math.max(...stats.iteratorAge.map((sample) => sample.ms)));
        assert.ok(stats.maxGetRecordsIteratorAgeMs < stats.maxIteratorAgeMs, "all four were read at once, long before the last one finished");
    });
});
