/**
 * Splits a byte stream into physical lines without ever holding more than one line (and the
 * current chunk) in memory.
 *
 * - Lines end at LF; one CR before the LF (CRLF) is stripped.
 * - A UTF-8 BOM at the very start of the stream is stripped (and counted in the offsets).
 * - The last line needs no final newline; a final newline does not start an empty last line.
 * - Line numbers are 1-based physical lines, blank ones included.
 * - A line longer than `maxLineBytes` is not kept whole: only its first `maxLineBytes` bytes are,
 *   and `truncated` is set, so one enormous line can't exhaust memory. Its `length` is exact.
 *
 * `endOffset` is the byte offset (in the stream as read) just past the line's terminator, which is
 * where a reader resuming after this line would start.
 */

const LF = 0x0a;
const CR = 0x0d;
// A plain array, not a Buffer: Pulumi's closure serializer can't capture a module-level Buffer.
const BOM: readonly number[] = [0xef, 0xbb, 0xbf];

export interface SourceLine {
    /** 1-based physical line number. */
    number: number;
    /** The line without its terminator; only the first maxLineBytes bytes when truncated. */
    bytes: Buffer;
    /** Length of the whole line in bytes, without its terminator. */
    length: number;
    truncated: boolean;
    endOffset: number;
}

export interface SplitLinesOptions {
    /** Lines longer than this are yielded truncated. */
    maxLineBytes: number;
    /** Strip a UTF-8 BOM at the start of the stream. Default true. */
    stripBom?: boolean;
    /** Number of the first line (when resuming mid-object). Default 1. */
    firstLineNumber?: number;
    /** Offset of the first byte of the stream in the object (when resuming). Default 0. */
    startOffset?: number;
}

export async function* splitLines(chunks: AsyncIterable<Uint8Array>, options: SplitLinesOptions): AsyncGenerator<SourceLine> {
    const { maxLineBytes } = options;
    let number = options.firstLineNumber ?? 1;
    let offset = options.startOffset ?? 0;
    let head: Buffer | undefined = options.stripBom === false ? undefined : Buffer.alloc(0);

    let parts: Buffer[] = [];
    let kept = 0;
    let rawLength = 0;
    let lastByte = -1;

    const append = (piece: Buffer) => {
        if (piece.length === 0) return;
        rawLength += piece.length;
        lastByte = piece[piece.length - 1];
        // Keep one byte beyond the cap, so that a line of exactly maxLineBytes plus its CR stays whole.
        const room = maxLineBytes + 1 - kept;
        if (room > 0) {
            const keep = piece.length <= room ? piece : piece.subarray(0, room);
            parts.push(keep);
            kept += keep.length;
        }
    };

    const finish = (endOffset: number): SourceLine => {
        const length = rawLength - (lastByte === CR ? 1 : 0);
        const whole = parts.length === 1 ? parts[0] : Buffer.concat(parts);
        const truncated = length > maxLineBytes;
        const line: SourceLine = {
            number: number++,
            bytes: whole.subarray(0, truncated ? maxLineBytes : length),
            length,
            truncated,
            endOffset,
        };
        parts = [];
        kept = 0;
        rawLength = 0;
        lastByte = -1;
        return line;
    };

    function* lines(chunk: Buffer): Generator<SourceLine> {
        let start = 0;
        for (;;) {
            const newline = chunk.indexOf(LF, start);
            append(chunk.subarray(start, newline < 0 ? chunk.length : newline));
            if (newline < 0) break;
            yield finish(offset + newline + 1);
            start = newline + 1;
        }
        offset += chunk.length;
    }

    for await (const raw of chunks) {
        let chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
        if (head) {
            head = Buffer.concat([head, chunk]);
            // Fewer than three bytes that could still be the start of a BOM: wait for more.
            if (head.length < BOM.length && startsLike(BOM, head)) continue;
            chunk = head;
            head = undefined;
            if (chunk.length >= BOM.length && startsLike(chunk, BOM)) {
                chunk = chunk.subarray(BOM.length);
                offset += BOM.length;
            }
        }
        yield* lines(chunk);
    }
    if (head) yield* lines(head);
    if (rawLength > 0) yield finish(offset);
}

/** True when the first min(a, b) bytes of a and b are equal. */
function startsLike(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return false;
    return true;
}

/** True when the line holds nothing but spaces, tabs and CRs (or nothing at all). */
export function isBlankLine(line: SourceLine): boolean {
    if (line.truncated) return false;
    for (const byte of line.bytes) {
        if (byte !== 0x20 && byte !== 0x09 && byte !== CR) return false;
    }
    return true;
}
