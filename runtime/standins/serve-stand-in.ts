/**
 * Child-process entry that runs one local stand-in server on loopback with an ephemeral port and
 * reports its endpoint to the parent over IPC. It exits when the parent says "stop" or goes away,
 * so a crashed or interrupted runtime never leaves a server behind.
 *
 * Usage (by `startStandIns`): fork(this file, ["fauxqs" | "kinesalite"], { env: { STAND_IN_STATE_DIR } })
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { AddressInfo } from "node:net";
import { SETTING_DEFINITIONS } from "../../settings/definitions";

interface Running {
    endpoint: string;
    stop(): Promise<void>;
}

// fauxqs is ESM-only; TypeScript's CommonJS output would turn import() into require().
const importEsm = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<any>;

async function startFauxqs(stateDir: string | undefined): Promise<Running> {
    const { startFauxqs } = await importEsm("fauxqs");
    const options: Record<string, unknown> = { port: 0, logger: false, defaultRegion: process.env.AWS_REGION ?? "us-east-1" };
    if (stateDir) {
        options.dataDir = path.join(stateDir, "fauxqs");
        options.s3StorageDir = path.join(stateDir, "fauxqs-s3");
        fs.mkdirSync(options.dataDir as string, { recursive: true });
        fs.mkdirSync(options.s3StorageDir as string, { recursive: true });
    }
    const server = await startFauxqs(options);
    return { endpoint: `http://127.0.0.1:${server.port}`, stop: () => server.stop() };
}

async function startKinesalite(stateDir: string | undefined): Promise<Running> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const kinesalite = require("kinesalite");
    const options: Record<string, unknown> = { createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: SETTING_DEFINITIONS.shardCount.max };
    if (stateDir) {
        options.path = path.join(stateDir, "kinesalite");
        fs.mkdirSync(options.path as string, { recursive: true });
    }
    const server = kinesalite(options);
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return {
        endpoint: `http://127.0.0.1:${port}`,
        stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}

async function main(): Promise<void> {
    const kind = process.argv[2];
    const stateDir = process.env.STAND_IN_STATE_DIR || undefined;
    const running = kind === "fauxqs" ? await startFauxqs(stateDir) : kind === "kinesalite" ? await startKinesalite(stateDir) : undefined;
    if (!running) throw new Error(`unknown stand-in "${kind}"; expected fauxqs or kinesalite`);
    let stopping = false;
    const stop = async () => {
        if (stopping) return;
        stopping = true;
        await running.stop().catch(() => undefined);
        process.exit(0);
    };
    process.on("message", (message) => message === "stop" && void stop());
    process.on("disconnect", () => void stop());
    process.on("SIGTERM", () => void stop());
    process.on("SIGINT", () => void stop());
    process.send?.({ ready: true, endpoint: running.endpoint });
}

main().catch((error) => {
    process.send?.({ ready: false, error: String(error?.stack ?? error) });
    process.exit(1);
});
