import { pipeline, Readable } from "node:stream";
import { createGunzip } from "node:zlib";

/**
 * The bytes of an object body as a stream of chunks, gunzipped when the body starts with the gzip
 * magic bytes (1f 8b). Nothing is buffered beyond the first chunk that is peeked at. Concatenated
 * gzip members are read as one stream, as `gunzip` does.
 */
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
    return { gzip, chunks: gunzip };
}

function toBuffer(chunk: Uint8Array): Buffer {
    return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
