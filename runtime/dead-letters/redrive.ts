import * as fs from "node:fs";
import * as path from "node:path";
import type { KinesisStreamEvent } from "aws-lambda";
import type { DeadLetterMessage } from "../../handlers/shared/dead-letter";
import { DeadLetterKind, selectLetters, type DeadLetter } from "./dead-letter";
import type { RedriveTarget } from "./redrive-target";

/**
 * Redrives dead letters, each by its kind's remedy (dead-letter.ts), and deletes a letter only
 * once its remedy succeeded:
 * - `s3-event`, `continuation`: the splitter is invoked again with the event it failed on (a chain
 *   stopped at `splitterMaxChainInvocations` goes on from its checkpoint, counted from 2 again);
 * - `failed-batch`: the writer is invoked with the batch's records: the batch the failure bucket
 *   kept (exactly the records given up on), or else the range read back from the stream while it
 *   still keeps it. A record the stream no longer has and no bucket kept can't be redriven: the
 *   letter stays, and says so;
 * - `poison-line`: appended to the export file (JSON lines, keyed by source key and line number,
 *   each exported once however often it was dead-lettered); never written as it is.
 *
 * Writes are idempotent (the same key gets the same bytes), so a letter whose delete failed after
 * its remedy is redriven harmlessly next time. Every action is logged with the letter's id.
 */
export interface RedriveOptions {
    kind?: DeadLetterKind;
    reason?: string;
    limit?: number;
    dryRun?: boolean;
    /** Where poison lines are exported (JSON lines, appended). */
    exportFile: string;
    /** Attempts at one writer or splitter invocation before the letter is left for the next redrive. Default 3. */
    attempts?: number;
    log: (line: string) => void;
}

export interface RedriveResult {
    redriven: number;
    failed: number;
    exported: number;
    skipped: number;
}

export interface RedriveStore {
    read(): Promise<DeadLetter[]>;
    remove(letter: DeadLetter): Promise<void>;
    release(letters: readonly DeadLetter[]): Promise<void>;
}

/** Splitter and writer letters first; their redrives may dead-letter poison lines again, which the second pass exports. */
export async function redrive(store: RedriveStore, target: RedriveTarget, options: RedriveOptions): Promise<RedriveResult> {
    const result: RedriveResult = { redriven: 0, failed: 0, exported: 0, skipped: 0 };
    const exported = readExportedKeys(options.exportFile);
    const wanted = (kind: DeadLetterKind) => options.kind === undefined || options.kind === kind;

    let budget = options.limit ?? Number.POSITIVE_INFINITY;
    const invokes = [DeadLetterKind.s3Event, DeadLetterKind.continuation, DeadLetterKind.failedBatch].filter(wanted);
    if (invokes.length > 0) {
        const letters = await store.read();
        const invocable = letters.filter((letter) => invokes.includes(letter.kind as never));
        const chosen = selectLetters(invocable, { reason: options.reason, limit: budget });
        const done: DeadLetter[] = [];
        try {
            let splitterRan = false;
            for (const letter of chosen) {
                budget--;
                const outcome = await redriveOne(letter, target, options);
                if (outcome === "ok") {
                    splitterRan ||= letter.kind !== DeadLetterKind.failedBatch;
                    if (!options.dryRun) await store.remove(letter);
                    done.push(letter);
                    result.redriven++;
                    log(options, letter, options.dryRun ? "dry run: left in place" : "deleted");
                } else result.failed++;
            }
            if (splitterRan) await target.settle();
        } finally {
            // A dry run deleted nothing: everything it held goes back.
            await store.release(options.dryRun ? letters : letters.filter((letter) => !done.includes(letter)));
        }
    }
    if (wanted(DeadLetterKind.poisonLine) && budget > 0) {
        const letters = await store.read();
        const poison = selectLetters(letters, { kind: DeadLetterKind.poisonLine, reason: options.reason, limit: budget });
        const done: DeadLetter[] = [];
        try {
            for (const letter of poison) {
                const line = await exportLine(letter, target);
                const key = exportKey(line);
                if (options.dryRun) log(options, letter, `dry run: would export ${key}`);
                else {
                    if (!exported.has(key)) {
                        fs.mkdirSync(path.dirname(path.resolve(options.exportFile)), { recursive: true });
                        fs.appendFileSync(options.exportFile, JSON.stringify(line) + "\n");
                        exported.add(key);
                        result.exported++;
                        log(options, letter, `exported ${key} to ${options.exportFile}`);
                    } else log(options, letter, `${key} already exported`);
                    await store.remove(letter);
                    log(options, letter, "deleted");
                }
                done.push(letter);
                result.redriven++;
            }
        } finally {
            // A dry run deleted nothing: everything it held goes back.
            await store.release(options.dryRun ? letters : letters.filter((letter) => !done.includes(letter)));
        }
    }
    return result;
}

function log(options: RedriveOptions, letter: DeadLetter, action: string): void {
    options.log(`${letter.id} ${letter.kind} ${letter.reason}: ${action}`);
}

async function redriveOne(letter: DeadLetter, target: RedriveTarget, options: RedriveOptions): Promise<"ok" | "failed"> {
    if (letter.kind === DeadLetterKind.failedBatch) return redriveBatch(letter, target, options);
    // A chain stopped at its cap goes on from its checkpoint, its invocation count set back to 2 (as its detail says).
    const event = letter.body.requestPayload ?? { ...letter.body.checkpoint, invocation: 2 };
    if (options.dryRun) {
        log(options, letter, "dry run: would invoke the splitter with its event");
        return "ok";
    }
    return invokeWithAttempts(letter, options, "splitter", () => target.invokeSplitter(event));
}

async function redriveBatch(letter: DeadLetter, target: RedriveTarget, options: RedriveOptions): Promise<"ok" | "failed"> {
    const info = letter.body.KinesisBatchInfo;
    const kept: KinesisStreamEvent | undefined = Array.isArray(letter.body.payload?.Records) ? letter.body.payload : undefined;
    const event = kept ?? (await target.readStreamRange(info));
    const from = kept ? "the batch kept in the failure bucket" : "the stream";
    if (!event) {
        log(options, letter, `can't redrive: ${info.shardId} ${info.startSequenceNumber}..${info.endSequenceNumber} is no longer in the stream and no batch was kept (use onFailureDestination s3); left in place`);
        return "failed";
    }
    if (options.dryRun) {
        log(options, letter, `dry run: would invoke the writer with ${event.Records.length} record(s) from ${from}`);
        return "ok";
    }
    log(options, letter, `invoking the writer with ${event.Records.length} record(s) from ${from}`);
    return invokeWithAttempts(letter, options, "writer", () => target.invokeWriter(event));
}

async function invokeWithAttempts(letter: DeadLetter, options: RedriveOptions, fn: string, invoke: () => Promise<{ ok: boolean; error?: string; requestId?: string }>): Promise<"ok" | "failed"> {
    const attempts = options.attempts ?? 3;
    for (let attempt = 1; attempt <= attempts; attempt++) {
        const outcome = await invoke();
        if (outcome.ok) {
            log(options, letter, `${fn} succeeded (request ${outcome.requestId ?? "?"}, attempt ${attempt})`);
            return "ok";
        }
        log(options, letter, `${fn} failed (attempt ${attempt} of ${attempts}): ${outcome.error}`);
    }
    log(options, letter, "left in place for the next redrive");
    return "failed";
}

/** One exported poison line: where it came from, why it can't be written, and its bytes. */
export interface ExportedLine {
    sourceBucket?: string;
    sourceKey?: string;
    line?: number;
    stage: string;
    reason: string;
    detail: string;
    bytes: number;
    /** The line as UTF-8 text, when it is valid UTF-8. */
    text?: string;
    /** The line's bytes, base64 (always, when known). */
    base64?: string;
    /** The dead letter's id it was exported from. */
    deadLetterId: string;
}

async function exportLine(letter: DeadLetter, target: RedriveTarget): Promise<ExportedLine> {
    const message = letter.body as DeadLetterMessage;
    let bytes: Buffer | undefined = message.data !== undefined ? Buffer.from(message.data, "base64") : undefined;
    if (!bytes && message.source) bytes = await target.readSourceLine(message.source.bucket, message.source.key, message.source.line);
    let text: string | undefined;
    if (bytes) {
        try {
            text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
        } catch {
            text = undefined;
        }
    }
    return {
        sourceBucket: message.source?.bucket,
        sourceKey: message.source?.key,
        line: message.source?.line,
        stage: message.stage,
        reason: message.reason,
        detail: message.detail,
        bytes: message.bytes,
        ...(text !== undefined ? { text } : {}),
        ...(bytes ? { base64: bytes.toString("base64") } : {}),
        deadLetterId: letter.id,
    };
}

function exportKey(line: Pick<ExportedLine, "sourceBucket" | "sourceKey" | "line" | "deadLetterId">): string {
    return line.sourceKey !== undefined ? `${line.sourceBucket}/${line.sourceKey}#${line.line}` : `dead-letter ${line.deadLetterId}`;
}

/** The lines already in the export file, so that a line dead-lettered twice is exported once. */
export function readExportedLines(file: string): ExportedLine[] {
    if (!fs.existsSync(file)) return [];
    return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter((text) => text.trim() !== "")
        .map((text, index) => {
            try {
                return JSON.parse(text) as ExportedLine;
            } catch {
                throw new Error(`${file} line ${index + 1} is not JSON; the export file holds one exported poison line per line`);
            }
        });
}

function readExportedKeys(file: string): Set<string> {
    return new Set(readExportedLines(file).map(exportKey));
}
