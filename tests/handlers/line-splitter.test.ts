import * as assert from "node:assert/strict";
import { isBlankLine, splitLines, type SourceLine } from "../../handlers/splitter/line-splitter";

async function collect(chunks: (string | Buffer)[], maxLineBytes = 1024): Promise<SourceLine[]> {
    async function* source() {
        for (const chunk of chunks) yield Buffer.from(chunk);
    }
    const lines: SourceLine[] = [];
    for await (const line of splitLines(source(), { maxLineBytes })) lines.push(line);
    return lines;
}

function texts(lines: SourceLine[]): string[] {
    return lines.map((line) => line.bytes.toString("utf8"));
}

/** Every way of cutting `text` into two chunks, and into one-byte chunks. */
function cuts(text: Buffer): Buffer[][] {
    const ways: Buffer[][] = [[text], [...text].map((byte) => Buffer.from([byte]))];
    for (let at = 1; at < text.length; at++) ways.push([text.subarray(0, at), text.subarray(at)]);
    return ways;
}

describe("splitLines", () => {
    it("splits on LF and strips the CR of CRLF line endings", async () => {
        const lines = await collect(['{"id":1}\r\n{"id":2}\n{"id":3}\r\n']);
        assert.deepEqual(texts(lines), ['{"id":1}', '{"id":2}', '{"id":3}']);
        assert.deepEqual(
            lines.map((line) => line.number),
            [1, 2, 3],
        );
    });

    it("yields a last line that has no final newline, and no empty line after a final newline", async () => {
        assert.deepEqual(texts(await collect(["a\nb"])), ["a", "b"]);
        assert.deepEqual(texts(await collect(["a\nb\n"])), ["a", "b"]);
    });

    it("strips a UTF-8 BOM at the start of the stream even when it is split across chunks", async () => {
        const bom = Buffer.from([0xef, 0xbb, 0xbf]);
        for (const chunks of cuts(Buffer.concat([bom, Buffer.from("x\ny")]))) {
            assert.deepEqual(texts(await collect(chunks)), ["x", "y"]);
        }
    });

    it("keeps a BOM that is not at the start of the stream", async () => {
        const lines = await collect([Buffer.from("a\n"), Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("b")]);
        assert.deepEqual(lines[1].bytes, Buffer.from([0xef, 0xbb, 0xbf, 0x62]));
    });

    it("numbers physical lines, blank ones included, and marks blank lines", async () => {
        const lines = await collect(["\n  \r\n{}\n\t\n\r\n"]);
        assert.deepEqual(
            lines.map((line) => [line.number, isBlankLine(line)]),
            [
                [1, true],
                [2, true],
                [3, false],
                [4, true],
                [5, true],
            ],
        );
    });

    it("gives the same lines however the stream is cut into chunks", async () => {
        const text = Buffer.from('{"id":"é"}\r\n\n{"id":2}\r\nlast', "utf8");
        for (const chunks of cuts(text)) {
            const lines = await collect(chunks);
            assert.deepEqual(texts(lines), ['{"id":"é"}', "", '{"id":2}', "last"]);
            assert.deepEqual(
                lines.map((line) => line.endOffset),
                [13, 14, 24, 28],
            );
        }
    });

    it("counts a BOM in the byte offsets, so that a reader can resume at endOffset", async () => {
        const text = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("ab\ncd\n")]);
        const lines = await collect([text]);
        assert.deepEqual(
            lines.map((line) => line.endOffset),
            [6, 9],
        );
        assert.equal(text.subarray(lines[0].endOffset).toString(), "cd\n");
    });

    it("keeps a line of exactly maxLineBytes whole, CRLF included", async () => {
        const line = "x".repeat(16);
        const lines = await collect([line + "\r\n", line + "y\n"], 16);
        assert.equal(lines[0].truncated, false);
        assert.equal(lines[0].bytes.toString(), line);
        assert.equal(lines[1].truncated, true);
        assert.equal(lines[1].length, 17);
        assert.equal(lines[1].bytes.length, 16);
    });

    it("reports the exact length of a line far longer than maxLineBytes without keeping it", async () => {
        const chunks = Array.from({ length: 100 }, () => "z".repeat(1000));
        const lines = await collect([...chunks, "\nnext"], 10);
        assert.equal(lines[0].length, 100_000);
        assert.equal(lines[0].bytes.length, 10);
        assert.equal(isBlankLine(lines[0]), false);
        assert.deepEqual(texts(lines.slice(1)), ["next"]);
        assert.equal(lines[1].number, 2);
    });

    it("yields nothing for an empty stream, and one blank line for a lone CR", async () => {
        assert.deepEqual(await collect([]), []);
        const lines = await collect(["\r"]);
        assert.equal(lines.length, 1);
        assert.equal(isBlankLine(lines[0]), true);
    });
});
