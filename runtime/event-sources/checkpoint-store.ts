import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Where an event source mapping keeps, per shard, the sequence number of the last record it has
 * finished with; after a restart it reads on AFTER_SEQUENCE_NUMBER that record. Use one store per
 * mapping (keys are shard ids).
 */
export interface CheckpointStore {
    get(shardId: string): Promise<string | undefined>;
    set(shardId: string, sequenceNumber: string): Promise<void>;
}

export class InMemoryCheckpointStore implements CheckpointStore {
    private readonly checkpoints = new Map<string, string>();

    async get(shardId: string): Promise<string | undefined> {
        return this.checkpoints.get(shardId);
    }

    async set(shardId: string, sequenceNumber: string): Promise<void> {
        this.checkpoints.set(shardId, sequenceNumber);
    }
}

/**
 * Checkpoints in one JSON file (`{ "<shardId>": "<sequenceNumber>" }`), for `--state DIR` runs that
 * continue where the last one stopped. Each write replaces the file atomically (write, then
 * rename); changes that arrive while a write is under way go into the next one.
 */
export class JsonFileCheckpointStore implements CheckpointStore {
    private checkpoints: Record<string, string> | undefined;
    private pendingWrites = 0;
    private writes: Promise<void> = Promise.resolve();

    constructor(readonly filePath: string) {}

    async get(shardId: string): Promise<string | undefined> {
        return this.load()[shardId];
    }

    async set(shardId: string, sequenceNumber: string): Promise<void> {
        this.load()[shardId] = sequenceNumber;
        // A write already queued behind the running one will include this change.
        if (this.pendingWrites > 1) return this.writes;
        this.pendingWrites++;
        this.writes = this.writes.catch(() => undefined).then(() => this.write()).finally(() => this.pendingWrites--);
        return this.writes;
    }

    private load(): Record<string, string> {
        if (this.checkpoints) return this.checkpoints;
        let text: string | undefined;
        try {
            text = fs.readFileSync(this.filePath, "utf8");
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        }
        const parsed: unknown = text === undefined ? {} : JSON.parse(text);
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
            throw new Error(`checkpoint file ${this.filePath} must hold a JSON object of shard id to sequence number`);
        }
        this.checkpoints = parsed as Record<string, string>;
        return this.checkpoints;
    }

    private async write(): Promise<void> {
        const text = JSON.stringify(this.checkpoints, null, 2);
        await fs.promises.mkdir(path.dirname(this.filePath), { recursive: true });
        const temporary = `${this.filePath}.${process.pid}.tmp`;
        await fs.promises.writeFile(temporary, text);
        await fs.promises.rename(temporary, this.filePath);
    }
}
