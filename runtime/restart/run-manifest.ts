import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * What a `--state DIR` run writes down so that the next run on the same folder can resume: which
 * input it uploaded (key, ETag, and the local file's digest) and whether the splitter has finished
 * with it. The mapping's own progress is in the checkpoint file beside it.
 */
export interface RunManifest {
    version: 1;
    inputBucket: string;
    inputKey: string;
    /** ETag S3 gave the upload, with its quotes. */
    inputEtag: string;
    /** SHA-256 of the local input file, hex. */
    inputSha256: string;
    /** The splitter's invocation for this object finished (split, or given up on to the on-failure destination). */
    splitDone: boolean;
    updatedAt: string;
}

export const MANIFEST_FILE = "run-manifest.json";

export function manifestPath(stateDir: string): string {
    return path.join(stateDir, MANIFEST_FILE);
}

/** The checkpoint file of the mapping on one stream. */
export function checkpointPath(stateDir: string, streamName: string): string {
    return path.join(stateDir, "checkpoints", `${streamName}.json`);
}

/** The manifest in the state folder, or undefined when there is none or it is unreadable (a fresh start). */
export function readRunManifest(stateDir: string): RunManifest | undefined {
    let text: string;
    try {
        text = fs.readFileSync(manifestPath(stateDir), "utf8");
    } catch {
        return undefined;
    }
    try {
        const manifest = JSON.parse(text) as RunManifest;
        return manifest?.version === 1 && typeof manifest.inputKey === "string" ? manifest : undefined;
    } catch {
        return undefined;
    }
}

/** Replaces the manifest atomically (write, then rename). */
export function writeRunManifest(stateDir: string, manifest: Omit<RunManifest, "version" | "updatedAt">): RunManifest {
    const full: RunManifest = { version: 1, ...manifest, updatedAt: new Date().toISOString() };
    fs.mkdirSync(stateDir, { recursive: true });
    const temporary = `${manifestPath(stateDir)}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(full, null, 2) + "\n");
    fs.renameSync(temporary, manifestPath(stateDir));
    return full;
}

export async function fileSha256(file: string): Promise<string> {
    const hash = createHash("sha256");
    for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
    return hash.digest("hex");
}
