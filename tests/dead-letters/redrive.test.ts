import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { KinesisStreamEvent } from "aws-lambda";
import { describeBody, summarize, type DeadLetter } from "../../runtime/dead-letters/dead-letter";
import { readExportedLines, redrive, type RedriveStore } from "../../runtime/dead-letters/redrive";
import type { InvokeOutcome, RedriveTarget } from "../../runtime/dead-letters/redrive-target";
import { tempDir } from "../support/temp-dir";

/** The redrive's decisions, with a store and a target in memory (the e2e test runs them for real). */

const poison = (id: string, line: number, reason = "invalid-json"): DeadLetter => ({
    id,
    where: "queue",
    ...describeBody({ type: "kinesis-fanout.dead-letter", version: 1, stage: "writer", reason, detail: "bad", source: { bucket: "in", key: "a.jsonl", line }, bytes: 3, data: Buffer.from("{x").toString("base64") }),
    at: new Date(1000 + line),
    body: { type: "kinesis-fanout.dead-letter", version: 1, stage: "writer", reason, detail: "bad", source: { bucket: "in", key: "a.jsonl", line }, bytes: 2, data: Buffer.from("{x").toString("base64") },
});
const event: KinesisStreamEvent = { Records: [] };
const batch = (id: string, kept: boolean): DeadLetter => {
    const body = { requestContext: { condition: "RetryAttemptsExhausted" }, KinesisBatchInfo: { shardId: "s", startSequenceNumber: "1", endSequenceNumber: "2", streamArn: "arn" }, ...(kept ? { payload: event } : {}) };
    return { id, where: kept ? "failure-bucket" : "queue", ...describeBody(body), at: new Date(500), body };
};
const s3Event = (id: string): DeadLetter => {
    const body = { requestContext: { condition: "RetriesExhausted" }, requestPayload: { Records: [{ s3: {} }] }, responsePayload: { errorType: "CorruptGzipError" } };
    return { id, where: "queue", ...describeBody(body), body };
};

class MemoryStore implements RedriveStore {
    removed: string[] = [];
    released: string[] = [];
    constructor(public letters: DeadLetter[]) {}
    async read() {
        return this.letters.filter((letter) => !this.removed.includes(letter.id));
    }
    async remove(letter: DeadLetter) {
        this.removed.push(letter.id);
    }
    async release(letters: readonly DeadLetter[]) {
        this.released.push(...letters.map((letter) => letter.id));
    }
}

function target(outcomes: { writer?: InvokeOutcome[]; splitter?: InvokeOutcome[]; stream?: KinesisStreamEvent } = {}) {
    const calls = { writer: 0, splitter: 0, settled: 0 };
    const next = (list: InvokeOutcome[] | undefined) => list?.shift() ?? { ok: true, requestId: "r" };
    const fake: RedriveTarget = {
        invokeWriter: async () => (calls.writer++, next(outcomes.writer)),
        invokeSplitter: async () => (calls.splitter++, next(outcomes.splitter)),
        readStreamRange: async () => outcomes.stream,
        readSourceLine: async () => undefined,
        settle: async () => void calls.settled++,
        [Symbol.asyncDispose]: async () => undefined,
    };
    return { fake, calls };
}

describe("redriving dead letters", () => {
    let exportFile: string;
    const logs: string[] = [];
    const options = () => ({ exportFile, log: (line: string) => logs.push(line), attempts: 2 });
    beforeEach(() => {
        exportFile = path.join(tempDir("redrive-"), "poison.jsonl");
        logs.length = 0;
    });

    it("tells the four kinds apart by their bodies, with stage and reason", () => {
        assert.deepEqual(describeBody(poison("p", 1).body), { kind: "poison-line", stage: "writer", reason: "invalid-json" });
        assert.deepEqual(describeBody(batch("b", true).body), { kind: "failed-batch", stage: "mapping", reason: "RetryAttemptsExhausted" });
        assert.deepEqual(describeBody(s3Event("e").body), { kind: "s3-event", stage: "splitter", reason: "CorruptGzipError" });
        const continuation = { requestPayload: { type: "kinesis-fanout.split-continuation" }, responsePayload: { errorType: "Sandbox.Timedout" } };
        assert.deepEqual(describeBody(continuation), { kind: "continuation", stage: "splitter", reason: "Sandbox.Timedout" });
        const capped = { type: "kinesis-fanout.dead-letter", version: 1, stage: "splitter", reason: "chain-too-long", detail: "", bytes: 0, checkpoint: { type: "kinesis-fanout.split-continuation", invocation: 1001 } };
        assert.deepEqual(describeBody(capped), { kind: "continuation", stage: "splitter", reason: "chain-too-long" });
        assert.deepEqual(describeBody("not json"), { kind: "unknown", stage: "unknown", reason: "unrecognised" });
    });

    it("counts by stage, kind and reason, with the oldest and newest", () => {
        const summary = summarize([poison("p1", 1), poison("p2", 2, "unsafe-id"), batch("b", true)]);
        assert.deepEqual(summary.byKind, { "poison-line": 2, "failed-batch": 1 });
        assert.deepEqual(summary.byStage, { writer: 2, mapping: 1 });
        assert.deepEqual(summary.byReason, { "poison-line/invalid-json": 1, "poison-line/unsafe-id": 1, "failed-batch/RetryAttemptsExhausted": 1 });
        assert.equal(summary.oldest, new Date(500).toISOString());
        assert.equal(summary.newest, new Date(1002).toISOString());
    });

    it("deletes a failed batch only after the writer wrote all of it, and leaves it when the writer keeps failing", async () => {
        const store = new MemoryStore([batch("good", true), batch("bad", true)]);
        const { fake, calls } = target({ writer: [{ ok: true }, { ok: false, error: "1 batch item failure(s)" }, { ok: false, error: "1 batch item failure(s)" }] });
        const result = await redrive(store, fake, options());
        assert.deepEqual(store.removed, ["good"]);
        // Handed back after each pass that held it (the poison pass reads the queue again).
        assert.deepEqual([...new Set(store.released)], ["bad"]);
        assert.equal(calls.writer, 3);
        assert.deepEqual([result.redriven, result.failed], [1, 1]);
        assert.ok(logs.some((line) => line.startsWith("bad failed-batch RetryAttemptsExhausted: left in place")), logs.join("\n"));
    });

    it("reads a batch without a kept payload from the stream, and keeps the letter when the stream no longer has it", async () => {
        const store = new MemoryStore([batch("range", false)]);
        const gone = await redrive(store, target({ stream: undefined }).fake, options());
        assert.deepEqual([gone.failed, store.removed], [1, []]);
        const back = await redrive(store, target({ stream: event }).fake, options());
        assert.deepEqual([back.redriven, store.removed], [1, ["range"]]);
    });

    it("invokes the splitter again for a failed S3 event, then waits for the stream to drain", async () => {
        const store = new MemoryStore([s3Event("e")]);
        const { fake, calls } = target();
        await redrive(store, fake, options());
        assert.deepEqual([calls.splitter, calls.settled, store.removed], [1, 1, ["e"]]);
    });

    it("exports each poison line once, with its source key, line number and bytes, and never invokes a function for it", async () => {
        const store = new MemoryStore([poison("p1", 7), poison("p1-again", 7), poison("p2", 9, "unsafe-id")]);
        const { fake, calls } = target();
        const result = await redrive(store, fake, options());
        const exported = readExportedLines(exportFile);
        assert.deepEqual(exported.map((line) => [line.sourceKey, line.line, line.reason, line.text]), [["a.jsonl", 7, "invalid-json", "{x"], ["a.jsonl", 9, "unsafe-id", "{x"]]);
        assert.deepEqual([result.exported, store.removed.length, calls.writer + calls.splitter], [2, 3, 0]);
        const again = await redrive(new MemoryStore([poison("p1-third", 7)]), fake, options());
        assert.equal(again.exported, 0);
        assert.equal(readExportedLines(exportFile).length, 2);
    });

    it("changes nothing on a dry run and hands every held letter back", async () => {
        const store = new MemoryStore([batch("b", true), poison("p", 1)]);
        const { fake, calls } = target();
        await redrive(store, fake, { ...options(), dryRun: true });
        assert.deepEqual([store.removed, calls.writer, fs.existsSync(exportFile)], [[], 0, false]);
        assert.deepEqual(store.released.sort(), ["b", "b", "p", "p"]);
    });

    it("takes only the kind, reason and number asked for", async () => {
        const store = new MemoryStore([poison("p1", 1), poison("p2", 2, "unsafe-id"), poison("p3", 3, "unsafe-id"), batch("b", true)]);
        await redrive(store, target().fake, { ...options(), kind: "poison-line", reason: "unsafe-id", limit: 1 });
        assert.deepEqual(store.removed, ["p2"]);
    });
});
