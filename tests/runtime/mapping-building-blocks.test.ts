import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { readBatchItemFailures } from "../../runtime/event-sources/batch-item-failures";
import { JsonFileCheckpointStore } from "../../runtime/event-sources/checkpoint-store";
import { compareSequenceNumbers, lowestSequenceNumber } from "../../runtime/event-sources/sequence-numbers";
import { ShardCheckpointTracker } from "../../runtime/event-sources/shard-checkpoint-tracker";
import { tempDir } from "../support/temp-dir";

/** The event source mapping's pure parts, without servers. */
describe("event source mapping building blocks", () => {
    describe("compareSequenceNumbers", () => {
        it("compares sequence numbers as integers, not as strings", () => {
            assert.equal(compareSequenceNumbers("9", "10"), -1);
            assert.equal(compareSequenceNumbers("49590338271490256608559692540925702759324208523137515618", "49590338271490256608559692538361571095921575989136588898"), 1);
            assert.equal(compareSequenceNumbers("42", "42"), 0);
        });

        it("finds the lowest of sequence numbers listed out of order, and nothing in an empty list", () => {
            assert.equal(lowestSequenceNumber(["300", "1000", "200", "250"]), "200");
            assert.equal(lowestSequenceNumber(["300", "20", "1000"]), "20");
            assert.equal(lowestSequenceNumber(["9", "10"]), "9");
            assert.equal(lowestSequenceNumber([]), undefined);
        });
    });

    describe("readBatchItemFailures", () => {
        const batch = ["100", "200", "300", "1000"];

        it("reads a null response, a null list and an empty list as success", () => {
            // services-kinesis-batchfailurereporting: "Lambda treats a batch as a complete success if you return
            // any of the following: An empty batchItemFailure list / A null batchItemFailure list / An empty
            // EventResponse / A null EventResponse"
            for (const payload of [null, undefined, {}, { batchItemFailures: null }, { batchItemFailures: [] }]) {
                assert.deepEqual(readBatchItemFailures(payload, batch), { kind: "success" }, JSON.stringify(payload));
            }
        });

        it("fails the whole batch for a response that is not an object: a string, a number or a bare array of failures", () => {
            // Success is only "An empty batchItemFailure list / A null batchItemFailure list / An empty
            // EventResponse / A null EventResponse"; anything else must not move the checkpoint.
            for (const payload of ["ok", "", 0, [{ itemIdentifier: "300" }], []]) {
                assert.equal(readBatchItemFailures(payload, batch).kind, "failure", JSON.stringify(payload));
            }
        });

        it("resumes at the lowest failed sequence number, compared as a number", () => {
            const outcome = readBatchItemFailures({ batchItemFailures: [{ itemIdentifier: "1000" }, { itemIdentifier: "300" }] }, batch);
            assert.deepEqual(outcome, { kind: "partial", resumeIndex: 2 });
        });

        it("resumes at the lowest failed sequence number whatever order the failures are listed in (not the first, not the last)", () => {
            // Every order of the three: the lowest is first, in the middle and last, and "1000" sorts first as a string.
            const orders = [
                ["200", "300", "1000"],
                ["200", "1000", "300"],
                ["300", "200", "1000"],
                ["1000", "200", "300"],
                ["300", "1000", "200"],
                ["1000", "300", "200"],
            ];
            for (const order of orders) {
                const outcome = readBatchItemFailures({ batchItemFailures: order.map((itemIdentifier) => ({ itemIdentifier })) }, batch);
                assert.deepEqual(outcome, { kind: "partial", resumeIndex: 1 }, JSON.stringify(order));
            }
        });

        it("fails the whole batch for an empty, null, misnamed or unknown identifier", () => {
            for (const failure of [{ itemIdentifier: "" }, { itemIdentifier: null }, { ItemIdentifier: "200" }, { itemIdentifier: "999" }]) {
                const outcome = readBatchItemFailures({ batchItemFailures: [{ itemIdentifier: "300" }, failure] }, batch);
                assert.equal(outcome.kind, "failure", JSON.stringify(failure));
            }
        });
    });

    describe("ShardCheckpointTracker", () => {
        it("moves the checkpoint only past records whose predecessors are all done", () => {
            const tracker = new ShardCheckpointTracker();
            tracker.add(["1", "2", "3", "4", "5"]);

            assert.equal(tracker.markDone(["3", "4"]), undefined, "a later batch finished first");
            assert.deepEqual(tracker.markDone(["1"]), { checkpoint: "1", advancedBy: 1 });
            assert.deepEqual(tracker.markDone(["2"]), { checkpoint: "4", advancedBy: 3 });
            assert.equal(tracker.outstanding, 1);
        });
    });

    describe("JsonFileCheckpointStore", () => {
        it("keeps every shard's checkpoint in a file that a new store reads back", async () => {
            const file = path.join(tempDir("store-"), "nested", "checkpoints.json");
            const store = new JsonFileCheckpointStore(file);

            await Promise.all([store.set("shardId-000000000000", "10"), store.set("shardId-000000000001", "20"), store.set("shardId-000000000000", "11")]);

            assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), { "shardId-000000000000": "11", "shardId-000000000001": "20" });
            assert.equal(await new JsonFileCheckpointStore(file).get("shardId-000000000001"), "20");
            assert.equal(await new JsonFileCheckpointStore(file).get("shardId-000000000002"), undefined);
        });
    });
});
