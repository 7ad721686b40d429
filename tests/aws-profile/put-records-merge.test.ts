import * as assert from "node:assert/strict";
import { mergePutRecordsResults, recordBytes, throttledEntry } from "../../runtime/aws-profile/put-records";
import { TokenBucket } from "../../runtime/aws-profile/token-bucket";

describe("AWS profile: PutRecords bookkeeping", () => {
    it("puts throttled entries back where they were and counts every failure", () => {
        // Prepare: entries 1 and 3 of 5 were kept back; the upstream failed one of the three it got.
        const kept = throttledEntry("s", "shardId-000000000000");
        const throttled = [undefined, kept, undefined, kept, undefined];
        const upstream = {
            FailedRecordCount: 1,
            Records: [{ SequenceNumber: "1", ShardId: "a" }, { ErrorCode: "InternalFailure", ErrorMessage: "x" }, { SequenceNumber: "3", ShardId: "a" }],
        };

        // Act
        const merged = mergePutRecordsResults(throttled, 5, upstream);

        // Assess
        assert.deepEqual(merged.Records, [upstream.Records[0], kept, upstream.Records[1], kept, upstream.Records[2]]);
        assert.equal(merged.FailedRecordCount, 3);
    });

    it("refuses an upstream answer with the wrong number of results", () => {
        assert.throws(() => mergePutRecordsResults([undefined, undefined], 2, { Records: [{ SequenceNumber: "1" }] }), /returned 1 results/);
    });

    it("counts a record's data and partition key bytes", () => {
        assert.equal(recordBytes({ Data: Buffer.alloc(1000).toString("base64"), PartitionKey: "é" }), 1002);
    });
});

describe("AWS profile: token bucket", () => {
    it("lets one second's worth through at once and refills at its rate", () => {
        let now = 0;
        const bucket = new TokenBucket(1000, () => now);
        assert.equal(bucket.canTake(1000), true);
        bucket.take(1000);
        assert.equal(bucket.canTake(1), false);
        now = 100;
        assert.equal(bucket.available(), 100);
        now = 10_000;
        assert.equal(bucket.available(), 1000, "a bucket never holds more than one second's worth");
    });

    it("lets a single amount larger than the bucket through only from a full bucket", () => {
        let now = 0;
        const bucket = new TokenBucket(100, () => now);
        assert.equal(bucket.canTake(150), true);
        bucket.take(150);
        now = 1000;
        assert.equal(bucket.canTake(150), false, "still 50 in debt after one second");
        now = 1500;
        assert.equal(bucket.canTake(150), true);
    });
});
