import * as assert from "node:assert/strict";
import { KinesisEventSourceMapping } from "../../runtime/event-sources/kinesis-event-source-mapping";
import { localMappingUuid, onFailureObjectKey, s3OnFailureDestination } from "../../runtime/event-sources/on-failure-destination";
import { readFailedBatches } from "../../runtime/dead-letters/failure-bucket";
import { createBucket, createStream, putRecords, recordTexts, REGION, startHarness, stopHarness, testFunction, type RuntimeHarness } from "../support/runtime-harness";
import { MAPPING_DEFAULTS } from "../support/runtime-mapping";

/**
 * The mapping's S3 on-failure destination on real kinesalite and fauxqs: AWS's object key
 * (`aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>`) and AWS's body
 * (the on-failure record plus `payload`, the whole invocation event).
 */
describe("the event source mapping's S3 on-failure destination", function () {
    this.timeout(60_000);
    let harness: RuntimeHarness;

    before(async () => {
        harness = await startHarness();
    });
    after(async () => {
        await stopHarness(harness);
    });

    it("names the object as AWS documents: aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>", () => {
        const key = onFailureObjectKey("0f1e2d3c-1111-4222-a333-444455556666", "shardId-000000000001", new Date("2026-03-04T05:06:07.890Z"), "rnd");
        assert.equal(key, "aws/lambda/0f1e2d3c-1111-4222-a333-444455556666/shardId-000000000001/2026/03/04/2026-03-04T05.06.07-rnd");
        assert.match(localMappingUuid("arn:fn", "arn:stream"), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    });

    it("keeps a batch it gives up on whole: the on-failure record plus the invocation event as payload", async () => {
        const stream = await createStream(harness);
        const bucket = await createBucket(harness);
        await putRecords(harness, stream.streamName, ["bad0", "bad1", "bad2"].map((data) => ({ key: "k", data })));
        const fn = testFunction(harness, `exports.handler = async () => { throw new Error("always fails"); };`);
        const uuid = localMappingUuid(fn.functionArn, stream.streamArn);
        const mapping = new KinesisEventSourceMapping({
            kinesis: harness.kinesis,
            sqs: harness.sqs,
            streamName: stream.streamName,
            streamArn: stream.streamArn,
            functionArn: fn.functionArn,
            region: REGION,
            settings: { ...MAPPING_DEFAULTS, maximumRetryAttempts: 0 },
            invoke: (event) => fn.invoke(event),
            getRecordsIntervalMs: 20,
            retryDelay: { startingDelayMs: 10, maxDelayMs: 40 },
            onFailure: s3OnFailureDestination(harness.s3, bucket, uuid),
        });
        try {
            await mapping.start();
            await mapping.drained();
        } finally {
            await mapping.stop();
        }

        const stored = await readFailedBatches(harness.s3, bucket);
        assert.equal(stored.length, 1);
        const [{ key, document }] = stored;
        assert.match(key, new RegExp(`^aws/lambda/${uuid}/shardId-000000000000/\\d{4}/\\d{2}/\\d{2}/\\d{4}-\\d{2}-\\d{2}T\\d{2}\\.\\d{2}\\.\\d{2}-[0-9a-f-]{36}$`));
        assert.equal(document.requestContext.condition, "RetryAttemptsExhausted");
        assert.equal(document.KinesisBatchInfo.batchSize, 3);
        assert.deepEqual(recordTexts(document.payload), ["bad0", "bad1", "bad2"]);
        assert.equal(document.payload.Records[0].kinesis.sequenceNumber, document.KinesisBatchInfo.startSequenceNumber);
        assert.equal(document.payload.Records[2].kinesis.sequenceNumber, document.KinesisBatchInfo.endSequenceNumber);
        assert.equal(mapping.stats().recordsSentToOnFailure, 3);
    });
});
