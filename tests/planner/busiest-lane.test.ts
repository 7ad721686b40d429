import { strict as assert } from "node:assert";
import { busiestLaneRecords } from "../../planner";
import { hashKeyOf, shardForHashKey, type ShardRange } from "../../runtime/aws-profile/shard-routing";
import { laneOfPartitionKey } from "../../runtime/event-sources/partition-key-lane";
import { originalIdFor } from "../../runtime/workload/seed-workload";

/** A new stream's shards: the 128-bit hash key range split evenly, as CreateStream splits it. */
function evenShards(count: number): ShardRange[] {
    const span = 2n ** 128n;
    return Array.from({ length: count }, (_, i) => ({
        shardId: `shardId-${String(i).padStart(12, "0")}`,
        startingHashKey: (span * BigInt(i)) / BigInt(count),
        endingHashKey: (span * BigInt(i + 1)) / BigInt(count) - 1n,
    }));
}

/** The records of each lane for the generated workload's keys, routed as the runtime routes them: shard by hash key, then lane by key. */
function laneLoads(records: number, shardCount: number, parallelizationFactor: number): number[] {
    const shards = evenShards(shardCount);
    const loads = new Map<string, number>();
    for (let index = 0; index < records; index++) {
        const key = originalIdFor(index);
        const lane = `${shardForHashKey(shards, hashKeyOf(key))!.shardId}/${laneOfPartitionKey(key, parallelizationFactor)}`;
        loads.set(lane, (loads.get(lane) ?? 0) + 1);
    }
    return [...loads.values()];
}

describe("planner: the busiest writer lane", () => {
    it("holds every record when there is one lane", () => {
        assert.equal(busiestLaneRecords(4000, 4000, 1), 4000);
        assert.equal(busiestLaneRecords(0, 1, 40), 0);
    });

    it("holds more than the mean lane, and less of the file as the lanes grow", () => {
        let previousShare = 1;
        for (const lanes of [2, 4, 8, 40, 100]) {
            const busiest = busiestLaneRecords(4000, 4000, lanes);
            assert.ok(busiest > 4000 / lanes, `${lanes} lanes: ${busiest} records, the mean lane ${4000 / lanes}`);
            assert.ok(busiest / 4000 < previousShare, `${lanes} lanes take ${busiest / 4000} of the file`);
            previousShare = busiest / 4000;
        }
    });

    it("puts all of one key's records on one lane, and spreads few keys over all the lanes there are", () => {
        assert.equal(busiestLaneRecords(4000, 1, 40), 4000);
        // 10 keys on 40 lanes: the busiest lane most often gets 2 of them (a lane of its own for each is the less likely case).
        assert.equal(busiestLaneRecords(4000, 10, 40), 800);
    });

    it("spreads a few keys' records in whole keys' worth: 40 keys of 100 records on 40 lanes leave one lane several keys", () => {
        // Balls into bins: the busiest of 40 bins of 40 balls holds about 3 to 4 (its median).
        const busiest = busiestLaneRecords(4000, 40, 40);
        assert.ok(busiest >= 250 && busiest <= 450, `${busiest} records`);
    });

    it("agrees with the lanes the runtime routes the generated workload's keys to: within 10% each, and no lean", () => {
        // The runtime's routing: a shard by the key's MD5 hash key, a lane by the key's hash (kinesis-shard-reader).
        const errors: string[] = [];
        const lean: number[] = [];
        for (const records of [1000, 2000, 4000, 8000]) {
            for (const [shards, factor] of [[1, 2], [1, 10], [2, 5], [4, 1], [4, 2], [4, 10], [8, 3]]) {
                const loads = laneLoads(records, shards, factor);
                assert.equal(loads.reduce((sum, load) => sum + load, 0), records);
                const actual = Math.max(...loads);
                const planned = busiestLaneRecords(records, records, shards * factor);
                lean.push((planned - actual) / actual);
                if (Math.abs(planned - actual) > 0.1 * actual) errors.push(`${records} records on ${shards} shards × ${factor}: the busiest lane holds ${actual}, planned ${planned.toFixed(1)}`);
            }
        }
        assert.deepEqual(errors, []);
        // The planned lane is the busiest one's median: above the actual one about as often as below.
        const sorted = [...lean].sort((a, b) => a - b);
        const median = sorted[Math.floor(sorted.length / 2)];
        assert.ok(Math.abs(median) <= 0.02, `median error ${(median * 100).toFixed(1)}% over ${sorted.map((e) => (e * 100).toFixed(1)).join(", ")}%`);
    });
});
