import * as fs from "node:fs";
import { once } from "node:events";
import { seededRandom } from "../support/seeded-random";

/**
 * The seed article's workload: JSON lines of about 2 KiB, each with a unique `original_id`,
 * generated deterministically from a seed so that two runs (and two stacks) get the same bytes.
 */
export interface WorkloadOptions {
    records: number;
    /** Bytes per line, newline excluded. At least 128. */
    recordBytes: number;
    seed: number;
}

export const SEED_WORKLOAD: WorkloadOptions = { records: 10_000, recordBytes: 2048, seed: 42 };

const WORDS = [
    "kinesis", "lambda", "shard", "stream", "batch", "bucket", "object", "record", "fan", "out", "line", "product",
    "amber", "cobalt", "ivory", "jade", "onyx", "pearl", "ruby", "slate", "teal", "umber", "violet", "walnut",
];


export function originalIdFor(index: number): string {
    return `P${String(index + 1).padStart(7, "0")}`;
}

/** One line of the workload, exactly `recordBytes` bytes of ASCII JSON. */
export function workloadLine(index: number, options: Pick<WorkloadOptions, "recordBytes" | "seed">): string {
    if (options.recordBytes < 128) throw new Error(`record bytes must be at least 128 (got ${options.recordBytes})`);
    const random = seededRandom(options.seed * 1_000_003 + index);
    const pick = () => WORDS[Math.floor(random() * WORDS.length)];
    const head = {
        original_id: originalIdFor(index),
        name: `${pick()} ${pick()} ${index + 1}`,
        price: Math.round(random() * 100_000) / 100,
        stock: Math.floor(random() * 1000),
        tags: [pick(), pick(), pick()],
    };
    const prefix = JSON.stringify(head).slice(0, -1) + ',"description":"';
    const suffix = '"}';
    let description = "";
    while (prefix.length + description.length + suffix.length < options.recordBytes) description += pick() + " ";
    description = description.slice(0, options.recordBytes - prefix.length - suffix.length);
    return prefix + description + suffix;
}

/** Writes the workload to a file, one line per record, each ending in LF. Returns the file's size. */
export async function writeWorkloadFile(file: string, options: WorkloadOptions): Promise<number> {
    const out = fs.createWriteStream(file);
    let bytes = 0;
    for (let index = 0; index < options.records; index++) {
        const line = workloadLine(index, options) + "\n";
        bytes += line.length;
        if (!out.write(line)) await once(out, "drain");
    }
    out.end();
    await once(out, "finish");
    return bytes;
}
