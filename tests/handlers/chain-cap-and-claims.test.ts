import * as assert from "node:assert/strict";
import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from "@aws-sdk/client-kinesis";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { GetObjectCommand, PutObjectCommand, S3Client, type GetObjectCommandInput, type PutObjectCommandInput } from "@aws-sdk/client-s3";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { CONTINUATION_TYPE, type SplitCheckpoint } from "../../handlers/splitter/continuation";
import { HAND_OFF_CLAIM_PREFIX } from "../../handlers/splitter/hand-off-claim";
import { splitEvent, type SplitterEvent } from "../../handlers/splitter/split-event";
import type { SplitterDeps } from "../../handlers/splitter/split-object";
import type { DeadLetterMessage } from "../../handlers/shared/dead-letter";
import { decodeRecord } from "../../handlers/shared/record-envelope";
import { lambdaContext, s3ObjectCreatedEvent } from "../support/lambda-events";
import { body, splitterDeps } from "./fakes";

const BUCKET = "fanout-input";
const CLAIMS = "fanout-output";
const KEY = "in/big.jsonl";
const ETAG = "5d41402abc4b2a76b9719d911017c592";
const FUNCTION = "fanout-splitter";
const LINES = Array.from({ length: 12 }, (_, index) => JSON.stringify({ original_id: `p${index + 1}` }));
const DATA = Buffer.from(LINES.join("\n") + "\n");

/** A context whose time runs out after `k` lines (see split-continuation.test.ts), with this request id. */
function context(k: number, requestId: string): Context {
    let asked = -1;
    return { ...lambdaContext(FUNCTION), awsRequestId: requestId, getRemainingTimeInMillis: () => (++asked >= k ? 0 : 60_000) };
}

/**
 * The splitter's chain cap (splitterMaxChainInvocations) and its hand-off claims (conditional
 * PutObject of a marker per link), against mocked clients whose S3 keeps the markers and honours
 * If-None-Match the way S3 documents it.
 */
describe("the splitter's chain cap and hand-off claims", () => {
    // Created in before(), not at load: a mocked client class stays mocked for every later test file until restored.
    const mocks = () => ({ s3: mockClient(S3Client), kinesis: mockClient(KinesisClient), sqs: mockClient(SQSClient), lambda: mockClient(LambdaClient) });
    type Mocks = ReturnType<typeof mocks>;
    let s3: Mocks["s3"];
    let kinesis: Mocks["kinesis"];
    let sqs: Mocks["sqs"];
    let lambda: Mocks["lambda"];
    let markers: Map<string, string>;
    before(() => {
        ({ s3, kinesis, sqs, lambda } = mocks());
    });
    after(() => [s3, kinesis, sqs, lambda].forEach((mock) => mock.restore()));

    beforeEach(() => {
        [s3, kinesis, sqs, lambda].forEach((mock) => mock.reset());
        markers = new Map();
        kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
            FailedRecordCount: 0,
            Records: input.Records!.map((_, i) => ({ SequenceNumber: String(i), ShardId: "shardId-000000000000" })),
        }));
        sqs.on(SendMessageCommand).resolves({ MessageId: "m-1" });
        lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
        s3.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
            assert.equal(input.Bucket, CLAIMS);
            if (input.IfNoneMatch === "*" && markers.has(input.Key!)) {
                throw Object.assign(new Error("At least one of the pre-conditions you specified did not hold"), { name: "PreconditionFailed", $metadata: { httpStatusCode: 412 } });
            }
            markers.set(input.Key!, String(input.Body));
            return { ETag: '"m"' };
        });
        s3.on(GetObjectCommand).callsFake((input: GetObjectCommandInput) => {
            // The SDK's body mixin, as far as the claim reads it.
            if (input.Bucket === CLAIMS) return { Body: { transformToString: async () => markers.get(input.Key!)! } as never };
            const from = input.Range ? Number(/^bytes=(\d+)-$/.exec(input.Range)![1]) : 0;
            return { Body: body(DATA.subarray(from)), ETag: `"${ETAG}"` };
        });
    });

    const deps = (maxChainInvocations = 1000): SplitterDeps => splitterDeps({ maxChainInvocations, handOffClaimBucket: CLAIMS });
    const invoked = (): SplitCheckpoint[] => lambda.commandCalls(InvokeCommand).map((call) => JSON.parse(Buffer.from(call.args[0].input.Payload as Uint8Array).toString("utf8")));
    const linesPut = () => kinesis.commandCalls(PutRecordsCommand).flatMap((call) => call.args[0].input.Records!.map((record) => decodeRecord(Buffer.from(record.Data!)).source.line));
    const s3Event = (): SplitterEvent => {
        const event = s3ObjectCreatedEvent({ bucket: BUCKET, key: KEY, eTag: ETAG });
        event.Records[0].s3.object.sequencer = "0055AED6DCD90281E5";
        return event;
    };

    it("dead-letters the checkpoint with reason chain-too-long instead of invoking past the cap", async () => {
        let event = s3Event();
        for (let invocation = 1; invocation <= 3; invocation++) {
            await splitEvent(event, deps(3), context(2, `request-${invocation}`));
            event = invoked().at(-1)!;
        }
        assert.deepEqual(invoked().map((checkpoint) => checkpoint.invocation), [2, 3]);
        assert.deepEqual(linesPut(), [1, 2, 3, 4, 5, 6]);
        const [message] = sqs.commandCalls(SendMessageCommand).map((call) => JSON.parse(call.args[0].input.MessageBody!) as DeadLetterMessage);
        assert.equal(message.reason, "chain-too-long");
        assert.deepEqual([message.checkpoint?.invocation, message.checkpoint?.line, message.checkpoint?.offset], [4, 7, DATA.indexOf(LINES[6])]);
    });

    it("claims each link once: a duplicated S3 event or continuation is skipped, its lines are not put again", async () => {
        const first = await splitEvent(s3Event(), deps(), context(3, "request-a"));
        const duplicate = await splitEvent(s3Event(), deps(), context(3, "request-b"));
        assert.deepEqual([first.handedOff, duplicate.duplicatesSkipped, duplicate.lines], [1, 1, 0]);
        const [continuation] = invoked();
        await splitEvent(continuation, deps(), context(100, "request-c"));
        const again = await splitEvent(continuation, deps(), context(100, "request-d"));
        assert.equal(again.duplicatesSkipped, 1);
        assert.deepEqual(linesPut(), LINES.map((_, index) => index + 1));
        assert.ok([...markers.keys()].every((key) => key.startsWith(HAND_OFF_CLAIM_PREFIX)));
    });

    it("leaves the claim of an object the S3 event had no time to start to that object's continuation", async () => {
        const event = s3Event() as ReturnType<typeof s3ObjectCreatedEvent>;
        event.Records.push({ ...event.Records[0], s3: { ...event.Records[0].s3, object: { ...event.Records[0].s3.object, key: "in/second.jsonl" } } });
        const first = await splitEvent(event, deps(), context(3, "request-a"));
        assert.equal(first.handedOff, 2);
        const unstarted = invoked().find((checkpoint) => checkpoint.key === "in/second.jsonl")!;
        assert.deepEqual([unstarted.offset, unstarted.line], [0, 1]);
        const continued = await splitEvent(unstarted, deps(), context(100, "request-b"));
        assert.deepEqual([continued.duplicatesSkipped, continued.objects, continued.recordsPut], [0, 1, LINES.length]);
    });

    it("lets Lambda's retry of the same request go on, and hands off where its first attempt did, whatever its clock says", async () => {
        await splitEvent(s3Event(), deps(), context(3, "request-a"));
        const retry = await splitEvent(s3Event(), deps(), context(100, "request-a"));
        assert.deepEqual([retry.duplicatesSkipped, retry.handedOff, retry.lines], [0, 1, 3]);
        const [firstHandOff, retryHandOff] = invoked();
        assert.deepEqual(retryHandOff, firstHandOff);
        assert.equal(firstHandOff.type, CONTINUATION_TYPE);
        assert.equal(firstHandOff.chain, "0055AED6DCD90281E5");
    });
});
