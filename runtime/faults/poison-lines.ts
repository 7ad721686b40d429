import * as fs from "node:fs";
import { once } from "node:events";
import { workloadLine, type WorkloadOptions } from "../workload/seed-workload";
import { seededRandom } from "../support/seeded-random";
import { AWS_LIMITS } from "../../settings/aws-limits";

/**
 * `--poison N`: N invalid lines mixed into the generated workload at places drawn from the seed,
 * one of each kind in turn, so that every N >= 4 has all four:
 * - bad-json: a truncated object;
 * - missing-id: an object without `original_id`;
 * - unsafe-id: an `original_id` that would leave the key template (`../`);
 * - too-large: a valid object of just over 1 MiB, more than a Kinesis record holds.
 * The valid lines are the same ones, with the same ids, as without poison.
 */
export const POISON_KINDS = ["bad-json", "missing-id", "unsafe-id", "too-large"] as const;
export type PoisonKind = (typeof POISON_KINDS)[number];

/** The dead-letter reason each kind must get (handlers/shared/dead-letter.ts). */
export const POISON_REASONS: Record<PoisonKind, string> = {
    "bad-json": "invalid-json",
    "missing-id": "unsafe-id",
    "unsafe-id": "unsafe-id",
    "too-large": "line-too-large",
};

const RECORD_MAX_BYTES = AWS_LIMITS.kinesis.recordMaxBytes;

export function poisonLine(kind: PoisonKind, n: number): string {
    switch (kind) {
        case "bad-json":
            return `{"original_id":"BAD${n}","name":"truncated line ${n}",`;
        case "missing-id":
            return `{"name":"line ${n} without an id","price":1}`;
        case "unsafe-id":
            return `{"original_id":"../escape-${n}","name":"line ${n} with an unsafe id"}`;
        case "too-large": {
            const head = `{"original_id":"HUGE${n}","description":"`;
            return head + "x".repeat(RECORD_MAX_BYTES + 1 - head.length - 2) + '"}';
        }
    }
}

/** 0-based line indexes (out of records + poison lines) that hold poison, in order. */
export function poisonPositions(records: number, poison: number, seed: number): number[] {
    const total = records + poison;
    const random = seededRandom(seed ^ 0x5eed0001);
    const chosen = new Set<number>();
    while (chosen.size < poison) chosen.add(Math.floor(random() * total));
    return [...chosen].sort((a, b) => a - b);
}

/** Writes the workload with `poison` invalid lines among its `records` valid ones. Returns the file's size. */
export async function writePoisonedWorkloadFile(file: string, options: WorkloadOptions & { poison: number }): Promise<number> {
    const positions = new Set(poisonPositions(options.records, options.poison, options.seed));
    const out = fs.createWriteStream(file);
    let bytes = 0;
    let valid = 0;
    let poisoned = 0;
    for (let index = 0; index < options.records + options.poison; index++) {
        const line = positions.has(index) ? poisonLine(POISON_KINDS[poisoned % POISON_KINDS.length], ++poisoned) : workloadLine(valid++, options);
        bytes += Buffer.byteLength(line) + 1;
        if (!out.write(line + "\n")) await once(out, "drain");
    }
    out.end();
    await once(out, "finish");
    return bytes;
}
