/**
 * Runs one hostile input file through the real pipeline (`runPipeline`: the serialized handlers in
 * sandboxes behind the S3 trigger and the Kinesis event source mapping) on stand-ins shared by a
 * test file, and reads the output bucket back, so that a test can assert on the report and on the
 * exact objects written.
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { HAND_OFF_CLAIM_PREFIX } from "../../handlers/splitter/hand-off-claim";
import { runPipeline } from "../../runtime/pipeline/run-pipeline";
import type { RunReport } from "../../runtime/pipeline/run-report";
import { startStandIns, type RunningStandIns } from "../../runtime/standins/stand-ins";
import { parseSettings } from "../../settings/parse";
import { tempDir } from "../support/temp-dir";

export const REGION = "us-east-1";
const CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

export interface InputRun {
    report: RunReport;
    /** Every object in the output bucket: key → body. */
    objects: Map<string, Buffer>;
    /** The splitter's result for the uploaded object (its one invocation). */
    splitter: SplitterSummary;
}

/** The fields of the splitter's result these tests read. */
export interface SplitterSummary {
    objects: number;
    gzipObjects: number;
    lines: number;
    recordsPut: number;
    blankLines: number;
    deadLettered: number;
}

export interface StandInsHandle {
    readonly standIns: RunningStandIns;
    readonly s3: S3Client;
}

/** Starts the stand-ins in `before` and stops them in `after` of the calling `describe`. */
export function useStandIns(): StandInsHandle {
    const handle = {} as { standIns: RunningStandIns; s3: S3Client };
    before(async function () {
        this.timeout(30_000);
        handle.standIns = await startStandIns();
        handle.s3 = new S3Client({ region: REGION, credentials: CREDENTIALS, endpoint: handle.standIns.endpoints.s3, forcePathStyle: true });
    });
    after(async () => {
        handle.s3?.destroy();
        await handle.standIns?.stop();
    });
    return handle;
}

export interface InputOptions {
    /** The file's name, and so (with the stack's prefix and suffix) its key in the input bucket. */
    name?: string;
    /** Stack config values (as in Pulumi.<stack>.yaml, without the namespace) over the defaults. */
    config?: Record<string, unknown>;
    /** The stack name, which names the resources; default a new one (see `newStackName`). */
    stack?: string;
}

/** A stack name no other run uses, so that every run has its own buckets, stream and queue. */
export function newStackName(): string {
    return `bad-${randomUUID().slice(0, 8)}`;
}

/** Writes `content` to a file, runs it through the pipeline on fresh resources, and reads the output back. */
export async function runInput(handle: StandInsHandle, content: Buffer | string, options: InputOptions = {}): Promise<InputRun> {
    const dir = tempDir("bad-input-");
    const name = options.name ?? "input.jsonl";
    const inputFile = path.join(dir, "input");
    fs.writeFileSync(inputFile, content);
    try {
        const report = await runPipeline({
            stack: options.stack ?? newStackName(),
            settings: parseSettings(options.config ?? {}).settings,
            region: REGION,
            inputFile,
            inputName: name,
            endpoints: handle.standIns.endpoints,
            measureS3Ceiling: false,
            // Lambda's async retries of a failed splitter invocation, after 10 ms instead of 1 and 2 minutes.
            asyncRetryDelaysMs: [10, 10],
        });
        const [splitter] = report.splitter as SplitterSummary[];
        return { report, objects: await readBucket(handle.s3, report.resources.outputBucket), splitter };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

async function readBucket(s3: S3Client, bucket: string): Promise<Map<string, Buffer>> {
    const objects = new Map<string, Buffer>();
    let token: string | undefined;
    do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        for (const { Key } of page.Contents ?? []) {
            // The splitter's hand-off claim markers share the output bucket; they are not output.
            if (Key!.startsWith(HAND_OFF_CLAIM_PREFIX)) continue;
            const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
            objects.set(Key!, Buffer.from(await response.Body!.transformToByteArray()));
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects;
}

/** A JSON object line of exactly `bytes` bytes with this id (padded with a "pad" field). */
export function lineOfSize(id: string, bytes: number): string {
    const head = `{"original_id":${JSON.stringify(id)},"pad":"`;
    const padding = bytes - Buffer.byteLength(head) - 2;
    if (padding < 0) throw new Error(`a line with id ${id} needs at least ${bytes - padding} bytes`);
    return `${head}${"p".repeat(padding)}"}`;
}

/** `{"original_id":<id>, ...fields}` as one line. */
export function line(id: string | number, fields: Record<string, unknown> = {}): string {
    return JSON.stringify({ original_id: id, ...fields });
}
