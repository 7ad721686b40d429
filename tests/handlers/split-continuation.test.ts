import * as assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from "@aws-sdk/client-kinesis";
import { InvokeCommand, LambdaClient, type InvokeCommandInput } from "@aws-sdk/client-lambda";
import { GetObjectCommand, S3Client, type GetObjectCommandInput } from "@aws-sdk/client-s3";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { createHandOffClock, handOffMarginMs, parseCheckpoint, type SplitCheckpoint } from "../../handlers/splitter/continuation";
import { splitEvent, type SplitterEvent, type SplitterResult } from "../../handlers/splitter/split-event";
import type { SplitterDeps } from "../../handlers/splitter/split-object";
import { decodeRecord } from "../../handlers/shared/record-envelope";
import { lambdaContext, s3ObjectCreatedEvent } from "../support/lambda-events";
import { body, chunked, splitterDeps } from "./fakes";

const BUCKET = "fanout-input";
const KEY = "in/big.jsonl";
const ETAG = "5d41402abc4b2a76b9719d911017c592";
const FUNCTION = "fanout-splitter";

/**
 * A context whose time runs out after `k` lines: the splitter asks for the remaining time once when
 * it starts (its budget) and once before every further line, so the k-th question after the
 * first answers "nothing left".
 */
function contextRunningOutAfter(k: number): Context {
    let asked = -1;
    return { ...lambdaContext(FUNCTION), getRemainingTimeInMillis: () => (++asked >= k ? 0 : 60_000) };
}

/** An object of `count` JSON lines with a BOM, CRLF endings, blank lines and a line without a final newline. */
function sampleFile(count: number): { data: Buffer; lines: Map<number, string> } {
    const lines = new Map<number, string>();
    const parts: string[] = [];
    for (let n = 1; n <= count; n++) {
        if (n % 5 === 0) {
            parts.push(n % 2 ? "  " : "");
            continue;
        }
        const text = JSON.stringify({ original_id: `p${n}`, name: "é".repeat(n % 4) });
        lines.set(n, text);
        parts.push(text);
    }
    const text = parts.map((part, index) => part + (index === parts.length - 1 ? "" : index % 3 ? "\r\n" : "\n")).join("");
    return { data: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, "utf8")]), lines };
}

describe("splitter continuations (carrying on past the timeout, against mocked AWS clients)", () => {
    const mocks = () => ({ s3: mockClient(S3Client), kinesis: mockClient(KinesisClient), sqs: mockClient(SQSClient), lambda: mockClient(LambdaClient) });
    let m: ReturnType<typeof mocks>;
    let calls: string[];
    let stored: { data: Buffer; eTag: string };
    before(() => (m = mocks()));
    after(() => Object.values(m).forEach((mock) => mock.restore()));

    beforeEach(() => {
        Object.values(m).forEach((mock) => mock.reset());
        calls = [];
        m.kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => {
            calls.push(`put ${input.Records!.map((r) => decodeRecord(Buffer.from(r.Data!)).source.line).join(",")}`);
            return { FailedRecordCount: 0, Records: input.Records!.map((_, i) => ({ SequenceNumber: String(i), ShardId: "shardId-000000000000" })) };
        });
        m.sqs.on(SendMessageCommand).resolves({ MessageId: "m-1" });
        m.lambda.on(InvokeCommand).callsFake((input: InvokeCommandInput) => {
            calls.push(`invoke ${input.FunctionName} ${input.InvocationType}`);
            return { StatusCode: 202 };
        });
        m.s3.on(GetObjectCommand).callsFake((input: GetObjectCommandInput) => {
            calls.push(`get ${input.Range ?? "all"}`);
            if (input.IfMatch !== undefined && input.IfMatch !== `"${stored.eTag}"`) {
                throw Object.assign(new Error("At least one of the pre-conditions you specified did not hold"), { name: "PreconditionFailed", $metadata: { httpStatusCode: 412 } });
            }
            const from = input.Range ? Number(/^bytes=(\d+)-$/.exec(input.Range)![1]) : 0;
            // Small, odd-sized chunks, so that lines and the BOM straddle chunk boundaries.
            return { Body: body(...chunked(stored.data.subarray(from), 7)), ETag: `"${stored.eTag}"` };
        });
    });

    const deps = (): SplitterDeps => splitterDeps();

    function checkpointsInvoked(): SplitCheckpoint[] {
        return m.lambda.commandCalls(InvokeCommand).map((call) => JSON.parse(Buffer.from(call.args[0].input.Payload as Uint8Array).toString("utf8")));
    }

    /** Runs the S3 event and then every continuation it queues, each invocation running out after k lines. */
    async function runChain(k: number): Promise<SplitterResult[]> {
        const results: SplitterResult[] = [];
        let event: SplitterEvent = s3ObjectCreatedEvent({ bucket: BUCKET, key: KEY, eTag: ETAG });
        for (;;) {
            results.push(await splitEvent(event, deps(), contextRunningOutAfter(k)));
            const queued = checkpointsInvoked();
            if (queued.length < results.length) return results;
            assert.ok(results.length < 1000, "the chain does not end");
            event = queued[results.length - 1];
        }
    }

    function linesPut(): Array<{ line: number; body: string; etag?: string }> {
        return m.kinesis
            .commandCalls(PutRecordsCommand)
            .flatMap((call) => call.args[0].input.Records!.map((record) => decodeRecord(Buffer.from(record.Data!))))
            .map((record) => ({ line: record.source.line, body: record.body.toString("utf8"), etag: record.source.etag }));
    }

    for (const gzip of [false, true]) {
        const count = gzip ? 12 : 23;
        it(`sends every line exactly once when a ${gzip ? "gzip" : "plain"} object is handed off after k lines, for every k from 1 to ${count}`, async () => {
            const { data, lines } = sampleFile(count);
            for (let k = 1; k <= count; k++) {
                // Prepare
                Object.values(m).forEach((mock) => mock.resetHistory());
                stored = { data: gzip ? gzipSync(data) : data, eTag: ETAG };
                // Act
                const results = await runChain(k);
                // Assess
                const put = linesPut();
                assert.deepEqual(put.map((record) => record.line), [...lines.keys()], `k=${k}: line numbers`);
                assert.deepEqual(put.map((record) => record.body), [...lines.values()], `k=${k}: bodies`);
                assert.ok(put.every((record) => record.etag === ETAG), `k=${k}: every record names the pinned ETag`);
                assert.equal(results.length, Math.ceil(count / k), `k=${k}: invocations`);
                assert.deepEqual(results.map((result) => result.lines), results.map((_, i) => Math.min(k, count - i * k)), `k=${k}: lines per invocation`);
                assert.equal(results.at(-1)!.objects, 1);
                assert.ok(results.slice(0, -1).every((result) => result.handedOff === 1), `k=${k}: every invocation but the last hands off`);
            }
        });
    }

    it("reads on with a Range GET from the checkpoint's byte offset, pinned with If-Match, for a plain object", async () => {
        stored = { data: sampleFile(10).data, eTag: ETAG };
        await runChain(4);
        const gets = m.s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input);
        const [first, second, third] = checkpointsInvoked();
        assert.deepEqual(gets.map((input) => [input.Range, input.IfMatch]), [
            [undefined, `"${ETAG}"`],
            [`bytes=${first.offset}-`, `"${ETAG}"`],
            [`bytes=${second.offset}-`, `"${ETAG}"`],
        ]);
        assert.equal(third, undefined);
        assert.deepEqual([first.line, second.line], [5, 9]);
        // Line 5 starts right after line 4's terminator: BOM (3) + lines 1-4 with their terminators.
        const text = stored.data.toString("utf8").slice(1);
        const lineStarts = [0];
        for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) lineStarts.push(Buffer.byteLength(text.slice(0, at + 1)) + 3);
        assert.equal(first.offset, lineStarts[4]);
        assert.equal(second.offset, lineStarts[8]);
    });

    it("sends the batch before the hand-off and has it acknowledged before it invokes itself asynchronously", async () => {
        stored = { data: sampleFile(6).data, eTag: ETAG };
        await splitEvent(s3ObjectCreatedEvent({ bucket: BUCKET, key: KEY, eTag: ETAG }), deps(), contextRunningOutAfter(3));
        assert.deepEqual(calls, ["get all", "put 1,2,3", `invoke ${FUNCTION} Event`]);
        assert.deepEqual(checkpointsInvoked(), [
            { type: "kinesis-fanout.split-continuation", version: 1, bucket: BUCKET, key: KEY, eTag: ETAG, offset: checkpointsInvoked()[0].offset, line: 4, gzip: false, invocation: 2, chain: "0055AED6DCD90281E5" },
        ]);
    });

    it("pins the ETag it read when the S3 event carried none", async () => {
        stored = { data: sampleFile(6).data, eTag: ETAG };
        await splitEvent(s3ObjectCreatedEvent({ bucket: BUCKET, key: KEY }), deps(), contextRunningOutAfter(2));
        assert.equal(checkpointsInvoked()[0].eTag, ETAG);
    });

    it("skips the rest of an object that was replaced between invocations, without mixing in the new object's lines", async () => {
        stored = { data: sampleFile(8).data, eTag: ETAG };
        await splitEvent(s3ObjectCreatedEvent({ bucket: BUCKET, key: KEY, eTag: ETAG }), deps(), contextRunningOutAfter(3));
        const [checkpoint] = checkpointsInvoked();
        stored = { data: Buffer.from('{"original_id":"new"}\n'.repeat(8)), eTag: "0000000000000000000000000000000a" };
        const result = await splitEvent(checkpoint, deps(), contextRunningOutAfter(3));
        assert.equal(result.replacedObjects, 1);
        assert.deepEqual(linesPut().map((record) => record.line), [1, 2, 3]);
    });

    it("always reads at least one line per invocation, so a chain ends even with no time at all", async () => {
        stored = { data: Buffer.from('{"original_id":1}\n{"original_id":2}\n{"original_id":3}\n'), eTag: ETAG };
        const noTime = () => ({ ...lambdaContext(FUNCTION), getRemainingTimeInMillis: () => 0 });
        let event: SplitterEvent = s3ObjectCreatedEvent({ bucket: BUCKET, key: KEY, eTag: ETAG });
        const results: SplitterResult[] = [];
        for (let i = 0; i < 5 && event; i++) {
            results.push(await splitEvent(event, deps(), noTime()));
            event = checkpointsInvoked()[i];
        }
        assert.deepEqual(results.map((result) => result.lines), [1, 1, 1]);
        assert.deepEqual(linesPut().map((record) => record.line), [1, 2, 3]);
    });

    it("hands off an object of the same event that it had no time to start, from its first line", async () => {
        stored = { data: Buffer.from('{"original_id":1}\n{"original_id":2}\n'), eTag: ETAG };
        const event = s3ObjectCreatedEvent({ bucket: BUCKET, key: "in/a.jsonl", eTag: ETAG }, { bucket: BUCKET, key: "in/b c.jsonl", eTag: ETAG });
        const result = await splitEvent(event, deps(), contextRunningOutAfter(2));
        assert.deepEqual([result.objects, result.handedOff], [1, 1]);
        assert.deepEqual(checkpointsInvoked(), [
            { type: "kinesis-fanout.split-continuation", version: 1, bucket: BUCKET, key: "in/b c.jsonl", eTag: ETAG, offset: 0, line: 1, gzip: false, invocation: 2, chain: "0055AED6DCD90281E5" },
        ]);
    });

    it("fails the invocation when the asynchronous self-invoke is not accepted, so Lambda retries its own event", async () => {
        stored = { data: sampleFile(6).data, eTag: ETAG };
        m.lambda.on(InvokeCommand).resolves({ StatusCode: 200 });
        await assert.rejects(
            splitEvent(s3ObjectCreatedEvent({ bucket: BUCKET, key: KEY, eTag: ETAG }), deps(), contextRunningOutAfter(2)),
            /asynchronous Invoke of fanout-splitter .* answered 200; expected 202/,
        );
    });

    describe("when time runs short while PutRecords entries are still being retried", () => {
        let short: boolean;
        const acknowledged: number[] = [];
        const shortContext = (): Context => ({ ...lambdaContext(FUNCTION), getRemainingTimeInMillis: () => (short ? 0 : 60_000) });
        /** Throttles every entry of `line` while `throttling`; the first throttle also makes time short. */
        function throttle(line: number, throttling: () => boolean) {
            m.kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => {
                const results = input.Records!.map((record) => {
                    const source = decodeRecord(Buffer.from(record.Data!)).source;
                    if (source.line === line && throttling()) {
                        short = true;
                        return { ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "Rate exceeded for shard" };
                    }
                    acknowledged.push(source.line);
                    return { SequenceNumber: "1", ShardId: "shardId-000000000000" };
                });
                return { FailedRecordCount: results.filter((result) => "ErrorCode" in result).length, Records: results };
            });
        }
        beforeEach(() => {
            short = false;
            acknowledged.length = 0;
        });

        it("hands off at the first unacknowledged line instead of running into the timeout, and the chain still sends every line", async () => {
            // Prepare: lines 5 and 10 are blank; line 7 is throttled during the first invocation only.
            const { data, lines } = sampleFile(12);
            stored = { data, eTag: ETAG };
            let invocation = 1;
            throttle(7, () => invocation === 1);
            // Act
            const first = await splitEvent(s3ObjectCreatedEvent({ bucket: BUCKET, key: KEY, eTag: ETAG }), deps(), shortContext());
            const [checkpoint] = checkpointsInvoked();
            invocation = 2;
            short = false;
            const second = await splitEvent(checkpoint, deps(), shortContext());
            // Assess
            assert.equal(checkpoint.line, 7);
            const text = data.subarray(3).toString("utf8");
            const lineSix = lines.get(6)!;
            assert.equal(checkpoint.offset, 3 + Buffer.byteLength(text.slice(0, text.indexOf(lineSix) + lineSix.length)) + (text[text.indexOf(lineSix) + lineSix.length] === "\r" ? 2 : 1));
            assert.deepEqual([first.lines, first.recordsPut, first.blankLines], [6, 5, 1], "lines 1-6 are this invocation's: 5 records and blank line 5");
            assert.deepEqual([second.lines, second.recordsPut, second.blankLines], [6, 5, 1], "lines 7-12 are the next one's");
            assert.deepEqual([...new Set(acknowledged)].sort((a, b) => a - b), [...lines.keys()], "every line acknowledged");
            assert.equal(acknowledged.filter((line) => line === 7).length, 1);
            assert.equal(first.retriedEntries, 0, "time was already short when line 7 failed: no retry, a hand-off");
        });

        it("fails the invocation when none of its records were acknowledged, so Lambda's retries and the dead-letter queue take over", async () => {
            stored = { data: Buffer.from('{"original_id":1}\n{"original_id":2}\n'), eTag: ETAG };
            throttle(1, () => true);
            await assert.rejects(
                splitEvent(s3ObjectCreatedEvent({ bucket: BUCKET, key: KEY, eTag: ETAG }), deps(), shortContext()),
                /acknowledged none of this invocation's records before its time ran short/,
            );
            assert.deepEqual(checkpointsInvoked(), []);
        });
    });

    it("keeps a quarter of the starting time as its margin, at least 0.5 s and at most 60 s", () => {
        assert.equal(handOffMarginMs(3_000), 750);
        assert.equal(handOffMarginMs(1_000), 500);
        assert.equal(handOffMarginMs(60_000), 15_000);
        assert.equal(handOffMarginMs(900_000), 60_000);
    });

    it("widens the margin by twice the slowest PutRecords call, and never hands off before any progress", () => {
        let remaining = 1_000;
        const clock = createHandOffClock({ getRemainingTimeInMillis: () => remaining });
        remaining = 400;
        assert.equal(clock.shouldHandOff(), false, "no line read yet");
        clock.noteProgress();
        remaining = 700;
        assert.equal(clock.shouldHandOff(), false, "700 ms left, margin 500 ms");
        clock.noteCallMs(150);
        assert.equal(clock.shouldHandOff(), true, "700 ms left, margin 500 ms + 2 × 150 ms");
        clock.noteCallMs(20);
        remaining = 801;
        assert.equal(clock.shouldHandOff(), false, "the slowest call counts, not the last");
    });

    it("rejects a continuation event with a bad field, naming the field and what is allowed", () => {
        const good = { type: "kinesis-fanout.split-continuation", version: 1, bucket: BUCKET, key: KEY, eTag: ETAG, offset: 10, line: 3, gzip: false, invocation: 2 };
        assert.deepEqual(parseCheckpoint(good), good);
        assert.throws(() => parseCheckpoint({ ...good, offset: -1 }), /offset must be a whole number of bytes ≥ 0 \(got -1\)/);
        assert.throws(() => parseCheckpoint({ ...good, line: 0 }), /line must be a line number ≥ 1 \(got 0\)/);
        assert.throws(() => parseCheckpoint({ ...good, line: 1 }), /offset must be 0 when line is 1 \(got 10\)/);
        assert.throws(() => parseCheckpoint({ ...good, gzip: "no" }), /gzip must be true or false/);
        assert.throws(() => parseCheckpoint({ ...good, version: 2 }), /version must be 1 \(got 2\)/);
    });
});
