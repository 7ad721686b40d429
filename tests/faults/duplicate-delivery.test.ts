import * as assert from "node:assert/strict";
import type { KinesisStreamEvent } from "aws-lambda";
import { DuplicatePlan } from "../../runtime/faults/duplicate-plan";
import { KinesisEventSourceMapping } from "../../runtime/event-sources/kinesis-event-source-mapping";
import { createStream, putRecords, recordTexts, REGION, startHarness, stopHarness, testFunction, type RuntimeHarness } from "../support/runtime-harness";
import { MAPPING_DEFAULTS } from "../support/runtime-mapping";

/** `--duplicate-rate`: the mapping delivers a batch again after it succeeded, as at-least-once delivery allows. */
describe("duplicate batch delivery", function () {
    this.timeout(30_000);
    let harness: RuntimeHarness;

    before(async () => {
        harness = await startHarness();
    });
    after(async () => {
        await stopHarness(harness);
    });

    async function runMapping(redeliver: () => boolean, records: number): Promise<{ events: KinesisStreamEvent[]; mapping: KinesisEventSourceMapping }> {
        const stream = await createStream(harness);
        await putRecords(harness, stream.streamName, Array.from({ length: records }, (_, index) => ({ key: "k", data: `line-${index}` })));
        const fn = testFunction(harness, "exports.handler = async (event) => ({ batchItemFailures: [] });");
        const events: KinesisStreamEvent[] = [];
        const mapping = new KinesisEventSourceMapping({
            kinesis: harness.kinesis,
            sqs: harness.sqs,
            ...stream,
            functionArn: fn.functionArn,
            region: REGION,
            settings: { ...MAPPING_DEFAULTS, batchSize: 10, reportBatchItemFailures: true },
            invoke: (event) => {
                events.push(event);
                return fn.invoke(event);
            },
            getRecordsIntervalMs: 20,
            caughtUpPollIntervalMs: 20,
            redeliver,
        });
        await mapping.start();
        await mapping.drained();
        await mapping.stop();
        return { events, mapping };
    }

    it("delivers every successful batch a second time, right after the first, before the shard moves on", async () => {
        const { events, mapping } = await runMapping(() => true, 30);

        const texts = events.map(recordTexts);
        assert.equal(texts.length, 6);
        for (let index = 0; index < texts.length; index += 2) assert.deepEqual(texts[index + 1], texts[index], `batch ${index / 2} came twice in a row`);
        assert.deepEqual(texts.filter((_, index) => index % 2 === 0).flat(), Array.from({ length: 30 }, (_, index) => `line-${index}`), "in stream order");
        assert.equal(mapping.stats().redeliveries, 3);
        assert.equal(mapping.stats().recordsCheckpointed, 30, "a redelivery doesn't move the checkpoint twice");
    });

    it("redelivers about the given fraction of batches with a DuplicatePlan", async () => {
        const plan = new DuplicatePlan(0.5, 9);
        const { events, mapping } = await runMapping(plan.redeliver, 200);

        const redeliveries = mapping.stats().redeliveries;
        assert.equal(events.length, 20 + redeliveries);
        assert.ok(redeliveries >= 4 && redeliveries <= 16, `about 10 of 20 batches delivered twice (got ${redeliveries})`);
    });
});
