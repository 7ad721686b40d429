import * as assert from "node:assert/strict";
import { FullBatchFailureError } from "@aws-lambda-powertools/batch";
import { PutObjectCommand, S3Client, type PutObjectCommandInput } from "@aws-sdk/client-s3";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { writeBatch, type WriterDeps } from "../../handlers/writer/write-batch";
import { parseOutputKeyTemplate } from "../../handlers/shared/output-key";
import { encodeRecord, type LineSource } from "../../handlers/shared/record-envelope";
import type { DeadLetterMessage } from "../../handlers/shared/dead-letter";
import { kinesisEvent, kinesisRecordFactory, lambdaContext } from "../support/lambda-events";
import { DLQ_URL, silentLogger } from "./fakes";

const OUTPUT = "fanout-output";
const source = (line: number, key = "in/items.jsonl"): LineSource => ({ bucket: "fanout-input", key, line, etag: "abc" });
const lineRecord = (line: number, text: string | Buffer, key?: string) => kinesisRecordFactory(encodeRecord(source(line, key), Buffer.from(text)));

describe("writeBatch (the writer's logic, against mocked AWS clients)", () => {
    // Mocks are made per describe and restored after it, so test files don't replace each other's.
    const mocks = () => ({ s3: mockClient(S3Client), sqs: mockClient(SQSClient) });
    let s3: ReturnType<typeof mocks>["s3"];
    let sqs: ReturnType<typeof mocks>["sqs"];
    before(() => ({ s3, sqs } = mocks()));
    after(() => [s3, sqs].forEach((mock) => mock.restore()));

    beforeEach(() => {
        s3.reset();
        sqs.reset();
        s3.on(PutObjectCommand).resolves({ ETag: '"e"' });
        sqs.on(SendMessageCommand).resolves({ MessageId: "m-1" });
    });

    function deps(concurrency = 4): WriterDeps {
        return {
            s3: new S3Client({ region: "us-east-1" }),
            sqs: new SQSClient({ region: "us-east-1" }),
            config: { outputBucket: OUTPUT, deadLetterQueueUrl: DLQ_URL, outputKeyTemplate: parseOutputKeyTemplate("product_{original_id}.json"), concurrency },
            logger: silentLogger(),
        };
    }

    const puts = (): PutObjectCommandInput[] => s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    // Calls run concurrently, so order them by sequence number (the factory issues increasing ones).
    const bySequence = (a: DeadLetterMessage, b: DeadLetterMessage) => (a.sequenceNumber! < b.sequenceNumber! ? -1 : 1);
    const deadLetters = (): DeadLetterMessage[] =>
        sqs
            .commandCalls(SendMessageCommand)
            .map((call) => JSON.parse(call.args[0].input.MessageBody!) as DeadLetterMessage)
            .sort(bySequence);

    it("writes each line's exact bytes under its output key as application/json", async () => {
        const lines = ['{"original_id":1,"name":"a"}', '{ "original_id" : "x-2" , "name":"é" }'];
        const response = await writeBatch(kinesisEvent(lines.map((l, i) => lineRecord(i + 1, l))), deps(), lambdaContext("writer"));
        assert.deepEqual(response, { batchItemFailures: [] });
        assert.deepEqual(
            puts()
                .map((p) => [p.Bucket, p.Key, Buffer.from(p.Body as Buffer).toString("utf8"), p.ContentType])
                .sort(),
            [
                [OUTPUT, "product_1.json", lines[0], "application/json"],
                [OUTPUT, "product_x-2.json", lines[1], "application/json"],
            ],
        );
    });

    it("reports exactly the records whose PutObject failed, by sequence number", async () => {
        const records = [1, 2, 3, 4, 5].map((n) => lineRecord(n, `{"original_id":${n}}`));
        s3.on(PutObjectCommand, { Key: "product_2.json" }).rejects(Object.assign(new Error("Please reduce your request rate."), { name: "SlowDown" }));
        s3.on(PutObjectCommand, { Key: "product_4.json" }).rejects(Object.assign(new Error("We encountered an internal error."), { name: "InternalError" }));
        const response = await writeBatch(kinesisEvent(records), deps(), lambdaContext());
        assert.deepEqual(
            response.batchItemFailures.map((failure) => failure.itemIdentifier).sort(),
            [records[1].kinesis.sequenceNumber, records[3].kinesis.sequenceNumber],
        );
    });

    it("dead-letters poison records with their reason, source and sequence number, and does not report them as failures", async () => {
        const poison = [
            kinesisRecordFactory("no envelope here"),
            lineRecord(2, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])),
            lineRecord(3, '{"original_id":1,'),
            lineRecord(4, '[{"original_id":1}]'),
            lineRecord(5, '"just a string"'),
            lineRecord(6, '{"name":"no id"}'),
            lineRecord(7, '{"original_id":{"nested":1}}'),
        ];
        const good = lineRecord(8, '{"original_id":8}');
        const response = await writeBatch(kinesisEvent([...poison, good]), deps(), lambdaContext());

        assert.deepEqual(response.batchItemFailures, []);
        assert.deepEqual(
            puts().map((p) => p.Key),
            ["product_8.json"],
        );
        const messages = deadLetters();
        assert.deepEqual(
            messages.map((m) => [m.stage, m.reason, m.source?.line, m.sequenceNumber]),
            [
                ["writer", "invalid-envelope", undefined, poison[0].kinesis.sequenceNumber],
                ["writer", "invalid-encoding", 2, poison[1].kinesis.sequenceNumber],
                ["writer", "invalid-json", 3, poison[2].kinesis.sequenceNumber],
                ["writer", "not-an-object", 4, poison[3].kinesis.sequenceNumber],
                ["writer", "not-an-object", 5, poison[4].kinesis.sequenceNumber],
                ["writer", "unsafe-id", 6, poison[5].kinesis.sequenceNumber],
                ["writer", "unsafe-id", 7, poison[6].kinesis.sequenceNumber],
            ],
        );
        assert.deepEqual(messages[2].source, source(3));
        assert.equal(Buffer.from(messages[2].data!, "base64").toString(), '{"original_id":1,');
        assert.equal(sqs.commandCalls(SendMessageCommand)[0].args[0].input.QueueUrl, DLQ_URL);
    });

    it("never quotes the line in a dead-letter detail", async () => {
        await writeBatch(kinesisEvent([lineRecord(1, '{"secret":"hunter2"'), lineRecord(2, "hunter2")]), deps(), lambdaContext());
        const messages = deadLetters();
        assert.deepEqual(
            messages.map((message) => [message.source?.line, message.reason]),
            [
                [1, "invalid-json"],
                [2, "invalid-json"],
            ],
        );
        for (const message of messages) {
            assert.ok(message.detail.length > 0, "a dead letter says why");
            assert.doesNotMatch(message.detail, /hunter2/);
        }
    });

    it("rejects unsafe ids that could leave the key template's key space", async () => {
        const ids = ["../x", "a/b", "", "a".repeat(1025), "..", "a\\b", "x\u0000y"];
        const records = ids.map((id, i) => lineRecord(i + 1, JSON.stringify({ original_id: id })));
        const response = await writeBatch(kinesisEvent(records), deps(), lambdaContext());
        assert.equal(puts().length, 0);
        assert.deepEqual(
            deadLetters().map((m) => m.reason),
            ids.map(() => "unsafe-id"),
        );
        assert.deepEqual(response.batchItemFailures, []);
    });

    it("accepts ids with spaces and unicode letters", async () => {
        await writeBatch(kinesisEvent([lineRecord(1, '{"original_id":"商品 42"}')]), deps(), lambdaContext());
        assert.deepEqual(
            puts().map((p) => p.Key),
            ["product_商品 42.json"],
        );
    });

    it("reports a poison record as failed when the dead-letter queue can't take it", async () => {
        const poison = lineRecord(1, "not json");
        const good = lineRecord(2, '{"original_id":2}');
        sqs.on(SendMessageCommand).rejects(Object.assign(new Error("Service unavailable"), { name: "ServiceUnavailable" }));
        const response = await writeBatch(kinesisEvent([poison, good]), deps(), lambdaContext());
        assert.deepEqual(response.batchItemFailures, [{ itemIdentifier: poison.kinesis.sequenceNumber }]);
    });

    it("throws a FullBatchFailureError when every record failed, so the invocation counts as an error", async () => {
        s3.on(PutObjectCommand).rejects(Object.assign(new Error("Access Denied"), { name: "AccessDenied" }));
        const records = [1, 2].map((n) => lineRecord(n, `{"original_id":${n}}`));
        await assert.rejects(writeBatch(kinesisEvent(records), deps(), lambdaContext()), FullBatchFailureError);
    });

    it("writes only the later line when two lines of one file share an output key, whatever their order in the batch", async () => {
        const later = lineRecord(7, '{"original_id":1,"v":"new"}');
        const earlier = lineRecord(3, '{"original_id":1,"v":"old"}');
        const other = lineRecord(4, '{"original_id":2}');
        const response = await writeBatch(kinesisEvent([later, earlier, other]), deps(), lambdaContext());
        assert.deepEqual(response.batchItemFailures, []);
        assert.deepEqual(
            puts()
                .map((p) => [p.Key, Buffer.from(p.Body as Buffer).toString()])
                .sort(),
            [
                ["product_1.json", '{"original_id":1,"v":"new"}'],
                ["product_2.json", '{"original_id":2}'],
            ],
        );
    });

    it("writes the later record by sequence number when lines from different files share an output key", async () => {
        const first = lineRecord(9, '{"original_id":1,"from":"a"}', "in/a.jsonl");
        const second = lineRecord(2, '{"original_id":1,"from":"b"}', "in/b.jsonl");
        await writeBatch(kinesisEvent([first, second]), deps(), lambdaContext());
        assert.deepEqual(
            puts().map((p) => Buffer.from(p.Body as Buffer).toString()),
            ['{"original_id":1,"from":"b"}'],
        );
    });

    it("keeps at most the configured number of PutObject calls in flight", async () => {
        let inFlight = 0;
        let most = 0;
        s3.on(PutObjectCommand).callsFake(async () => {
            inFlight++;
            most = Math.max(most, inFlight);
            await new Promise((resolve) => setImmediate(resolve));
            inFlight--;
            return {};
        });
        const records = Array.from({ length: 20 }, (_, i) => lineRecord(i + 1, `{"original_id":${i + 1}}`));
        await writeBatch(kinesisEvent(records), deps(3), lambdaContext());
        assert.equal(puts().length, 20);
        assert.equal(most, 3);
    });
});
