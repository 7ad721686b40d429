import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { createGunzip } from "node:zlib";
import { Readable } from "node:stream";
import { encodeRecord, KINESIS_RECORD_MAX_BYTES } from "../../handlers/shared/record-envelope";
import { parsePartitionKey, partitionKeyFor } from "../../handlers/shared/partition-key";
import { parseOutputKeyTemplate, renderOutputKey } from "../../handlers/shared/output-key";
// The documented contract: an integer id is rendered from its exact digits (Node 22, as Lambda's nodejs22.x).
import { parseJsonKeepingLargeIntegers } from "../../handlers/shared/exact-id";

/**
 * What the pipeline must produce for one input file, worked out from the file itself and the
 * documented contract, independently of the handlers: the object each valid line must become
 * (key, MD5 and length of its exact bytes), and the lines that must be dead-lettered and why.
 */
export interface ExpectedObject {
    line: number;
    md5: string;
    bytes: number;
}

export interface ExpectedOutput {
    /** Lines that carry a record: every line with more than spaces, tabs and CRs. */
    records: number;
    blankLines: number;
    inputBytes: number;
    /** Output key → the line that must be its body (the later line wins for a repeated id). */
    objects: Map<string, ExpectedObject>;
    /** Earlier lines whose id a later line of the file reuses. */
    superseded: Array<{ line: number; key: string; supersededBy: number }>;
    /** Line number → why the line can never be written. */
    deadLetters: Map<number, string>;
    /** Why the file can't be read to its end (a damaged gzip stream); only the whole lines before the damage are expected. */
    unreadable?: string;
}

export interface ExpectationOptions {
    bucket: string;
    key: string;
    outputKeyTemplate: string;
    partitionKey: string;
    /**
     * ETag of the uploaded object, with or without quotes. The splitter writes it into every
     * record's envelope header, where it counts against the 1 MiB record limit; without it, lines
     * within about 50 bytes of the limit are expected to pass when the splitter dead-letters them.
     */
    etag?: string;
}

// ignoreBOM keeps a BOM that starts a later line (as in concatenated files) as a character, as the writer does.
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function classify(line: Buffer, lineNumber: number, options: ExpectationOptions, strategy: ReturnType<typeof parsePartitionKey>) {
    let parsed: unknown;
    let text: string | undefined;
    try {
        text = UTF8.decode(line);
        parsed = parseJsonKeepingLargeIntegers(text);
    } catch {
        parsed = undefined;
    }
    const partitionKey = partitionKeyFor(strategy, parsed, options.key, lineNumber);
    const etag = options.etag?.replace(/"/g, "") || undefined;
    const recordBytes = encodeRecord({ bucket: options.bucket, key: options.key, line: lineNumber, etag }, line).length + Buffer.byteLength(partitionKey);
    if (recordBytes > KINESIS_RECORD_MAX_BYTES) return { deadLetter: "line-too-large" };
    if (text === undefined) return { deadLetter: "invalid-encoding" };
    if (parsed === undefined) return { deadLetter: "invalid-json" };
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return { deadLetter: "not-an-object" };
    const rendered = renderOutputKey(parseOutputKeyTemplate(options.outputKeyTemplate), parsed as Record<string, unknown>);
    if ("error" in rendered) return { deadLetter: "unsafe-id" };
    return { key: rendered.key };
}

/** The chunks of a stream until zlib finds the data damaged (error code Z_...), which it reports instead of throwing. */
async function* untilDamaged(source: AsyncIterable<unknown>, onDamage: (message: string) => void): AsyncGenerator<Buffer> {
    try {
        for await (const chunk of source) yield chunk as Buffer;
    } catch (error) {
        const code = (error as { code?: unknown })?.code;
        if (typeof code !== "string" || !code.startsWith("Z_")) throw error;
        onDamage(`the file starts with the gzip magic bytes but is not a valid gzip stream (${(error as Error).message})`);
    }
}

async function* lines(file: string, onDamage: (message: string) => void = () => undefined): AsyncGenerator<Buffer> {
    const head = Buffer.alloc(2);
    const fd = fs.openSync(file, "r");
    const read = fs.readSync(fd, head, 0, 2, 0);
    fs.closeSync(fd);
    let source: Readable = fs.createReadStream(file);
    if (read === 2 && head[0] === 0x1f && head[1] === 0x8b) source = source.pipe(createGunzip());
    let rest = Buffer.alloc(0);
    let first = true;
    let damaged = false;
    for await (const chunk of untilDamaged(source, (message) => ((damaged = true), onDamage(message)))) {
        let buffer = rest.length ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
        if (first && buffer.length >= 3) {
            if (buffer.subarray(0, 3).equals(BOM)) buffer = buffer.subarray(3);
            first = false;
        }
        let start = 0;
        for (let newline = buffer.indexOf(0x0a, start); newline >= 0; newline = buffer.indexOf(0x0a, start)) {
            yield buffer.subarray(start, newline);
            start = newline + 1;
        }
        rest = Buffer.from(buffer.subarray(start));
    }
    // After damage, the bytes since the last newline are not a whole line.
    if (rest.length > 0 && !damaged) yield rest;
}

export async function expectedOutput(file: string, options: ExpectationOptions): Promise<ExpectedOutput> {
    const strategy = parsePartitionKey(options.partitionKey);
    const expected: ExpectedOutput = {
        records: 0,
        blankLines: 0,
        inputBytes: fs.statSync(file).size,
        objects: new Map(),
        superseded: [],
        deadLetters: new Map(),
    };
    let lineNumber = 0;
    for await (const raw of lines(file, (message) => (expected.unreadable = message))) {
        lineNumber++;
        const line = raw.length > 0 && raw[raw.length - 1] === 0x0d ? raw.subarray(0, raw.length - 1) : raw;
        if (line.every((byte) => byte === 0x20 || byte === 0x09 || byte === 0x0d)) {
            expected.blankLines++;
            continue;
        }
        expected.records++;
        const outcome = classify(line, lineNumber, options, strategy);
        if (outcome.deadLetter) {
            expected.deadLetters.set(lineNumber, outcome.deadLetter);
            continue;
        }
        const key = outcome.key!;
        const earlier = expected.objects.get(key);
        if (earlier) expected.superseded.push({ line: earlier.line, key, supersededBy: lineNumber });
        expected.objects.set(key, { line: lineNumber, md5: createHash("md5").update(line).digest("hex"), bytes: line.length });
    }
    return expected;
}
