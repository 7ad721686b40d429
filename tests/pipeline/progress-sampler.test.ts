import * as assert from "node:assert/strict";
import { ManualClock } from "../../runtime/clock";
import { ProgressSampler } from "../../runtime/pipeline/progress-sampler";
import type { RunEnvironment } from "../../runtime/pipeline/run-environment";
import type { ProgressSnapshot } from "../../runtime/pipeline/run-report";
import type { RunStack } from "../../runtime/pipeline/run-stack";
import type { RunTriggers } from "../../runtime/pipeline/run-triggers";

/** The sampler against stand-ins for what it reads: a mapping whose counts the test sets, and a dead-letter queue of 2 messages. */
function sampled() {
    const clock = new ManualClock(10_000);
    const counts = { recordsReceived: 0, recordsFinished: 0 };
    const env = { clients: { sqs: { send: async () => ({ Attributes: { ApproximateNumberOfMessages: "2" } }) } } } as unknown as RunEnvironment;
    const stack = { resources: { deadLetterQueueUrl: "http://queue" } } as unknown as RunStack;
    const triggers = {
        mapping: { stats: () => ({ ...counts, recordsCheckpointed: 0, iteratorAge: [{ at: 0, ms: 750 }], batchesInFlight: 1, maxIteratorAgeMs: 900 }) },
        splitterIdle: () => true,
        s3Source: { stats: () => ({ objectsSeen: 1 }) },
    } as unknown as RunTriggers;
    const snapshots: ProgressSnapshot[] = [];
    const sampler = new ProgressSampler(clock, { env, stack, triggers, onProgress: (snapshot) => snapshots.push(snapshot) });
    return { clock, counts, sampler, snapshots };
}

describe("the run's progress sampler", () => {
    it("samples once a second on the clock, and not again when asked sooner", () => {
        const { clock, counts, sampler } = sampled();

        sampler.sample();
        sampler.sample();
        counts.recordsReceived = 500;
        clock.advance(1_000);
        clock.advance(1_000);
        sampler[Symbol.dispose]();
        clock.advance(5_000);

        assert.deepEqual(sampler.timeline.map((point) => [point.seconds, point.recordsInStream]), [[0, 0], [1, 500], [2, 500]]);
    });

    it("reports the expected records, the splitter's state and the dead letters read in the background", async () => {
        const { clock, sampler, snapshots } = sampled();
        sampler.expect(4_000);

        sampler.sample();
        await new Promise((resolve) => setImmediate(resolve));
        clock.advance(1_000);
        sampler[Symbol.dispose]();

        assert.equal(snapshots.length, 2);
        assert.deepEqual(
            { ...snapshots[1], seconds: undefined },
            { seconds: undefined, recordsInStream: 0, recordsProcessed: 0, recordsCheckpointed: 0, iteratorAgeMs: 750, records: 4_000, splitterDone: true, deadLettered: 2, batchesInFlight: 1, maxIteratorAgeMs: 900 },
        );
    });

    it("takes one last sample at finish, however soon after the previous one, and then stops", () => {
        const { clock, counts, sampler } = sampled();

        sampler.sample();
        clock.advance(300);
        counts.recordsFinished = 10;
        sampler.finish();
        clock.advance(5_000);

        assert.deepEqual(sampler.timeline.map((point) => [point.seconds, point.recordsProcessed]), [[0, 0], [0.3, 10]]);
        assert.equal(sampler.elapsedSeconds(), 5.3);
    });
});
