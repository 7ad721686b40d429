import { pipeline, Readable } from "node:stream";
import { createGunzip } from "node:zlib";

/**
 * The bytes of an object body as a stream of chunks, gunzipped when the body starts with the gzip
 * magic bytes (1f 8b). Nothing is buffered beyond the first chunk that is peeked at. Concatenated
 * gzip members are read as one stream, as `gunzip` does.
 *
 * A body that starts with the magic bytes but is not a whole gzip stream (truncated, corrupt) fails
 * with an error named CorruptGzipError that says so, once the lines before the damage have been read: the
 * invocation fails, and after Lambda's retries its event goes to the on-failure destination with
 * that message. Nothing is ever read past the damage, so no garbage line comes out of it.
 */
export function corruptGzipError(zlibMessage: string): Error {
    // A plain Error with a name, not a subclass: Pulumi's closure serializer turns a class into a
    // function, and `super(message)` in it then loses the message.
    const error = new Error(
        `the object starts with the gzip magic bytes (1f 8b) but is not a valid gzip stream (${zlibMessage}); only plain or gzip-compressed JSON lines can be split`,
    );
    error.name = "CorruptGzipError";
    return error;
}
export interface ObjectBytes {
    gzip: boolean;
    chunks: AsyncIterable<Buffer>;
}

const GZIP_MAGIC = [0x1f, 0x8b] as const;

export async function openObjectBytes(body: AsyncIterable<Uint8Array>): Promise<ObjectBytes> {
    const iterator = body[Symbol.asyncIterator]();
    const peeked: Buffer[] = [];
    let peekedLength = 0;
    let ended = false;
    while (peekedLength < GZIP_MAGIC.length) {
        const next = await iterator.next();
        if (next.done) {
            ended = true;
            break;
        }
        const chunk = toBuffer(next.value);
        peeked.push(chunk);
        peekedLength += chunk.length;
    }
    const start = Buffer.concat(peeked);
    const gzip = start.length >= GZIP_MAGIC.length && start[0] === GZIP_MAGIC[0] && start[1] === GZIP_MAGIC[1];

    async function* raw(): AsyncGenerator<Buffer> {
        try {
            if (start.length > 0) yield start;
            if (ended) return;
            for (;;) {
                const next = await iterator.next();
                if (next.done) return;
                yield toBuffer(next.value);
            }
        } finally {
            // Stops the HTTP body when the reader gives up early.
            if (!ended) await iterator.return?.();
        }
    }

    if (!gzip) return { gzip, chunks: raw() };
    const gunzip = createGunzip();
    // pipeline destroys the gunzip stream with the source's error, so the reader sees it.
    pipeline(Readable.from(raw()), gunzip, () => undefined);
    return { gzip, chunks: gunzipped(gunzip) };
}

/** The gunzip stream's chunks; a zlib error (code Z_...) becomes a corruptGzipError, a read error stays as it is. */
async function* gunzipped(gunzip: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    try {
        for await (const chunk of gunzip) yield chunk;
    } catch (error) {
        const code = (error as { code?: unknown })?.code;
        if (typeof code === "string" && code.startsWith("Z_")) throw corruptGzipError((error as Error).message);
        throw error;
    }
}

function toBuffer(chunk: Uint8Array): Buffer {
    return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
