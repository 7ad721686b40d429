/**
 * `npm run bench:splitter`: splits one large object (1 GiB by default: 524,288 lines of 2 KiB)
 * with the splitter's deploy artifact in a Lambda sandbox, and prints the sandbox's peak RSS
 * (what Lambda reports as "Max Memory Used") for each invocation. A benchmark, not a test: it
 * prints its figures and exits 0 when the peak stayed under --rss-limit-mib, 1 otherwise.
 *
 * The object lives in fauxqs (in memory: fauxqs keeps object bodies in memory unless given
 * s3StorageDir) and the records in kinesalite (in memory), both on 127.0.0.1.
 */
import * as fs from "node:fs";
import { Readable } from "node:stream";
import { Command } from "commander";
import { Upload } from "@aws-sdk/lib-storage";
import { createSplitterHandler, type SplitterResult } from "../../handlers/splitter";
import { splitterEnvironment } from "../../handlers/shared/environment";
import { objectCreatedEvent } from "../event-sources/s3-event";
import { AsyncInvocationQueue } from "../lambda/async-invocation-queue";
import { FunctionPool, type InvocationResult } from "../lambda/function-pool";
import { LambdaInvokeApi } from "../lambda/invoke-api";
import { serializeHandler } from "../lambda/serialize-handler";
import { createAwsClients, destroyAwsClients, endpointEnvironment } from "../pipeline/aws-clients";
import { provisionResources } from "../pipeline/provision";
import { readStackFile } from "../stack/read-stack-file";
import { startStandIns } from "../standins/stand-ins";
import { CleanupStack } from "../support/cleanup-stack";
import { workloadLine } from "../workload/seed-workload";
import * as path from "node:path";

const PROJECT_DIR = path.resolve(__dirname, "../..");
const MiB = 1024 * 1024;

const program = new Command()
    .name("npm run bench:splitter --")
    .description("Split one large object with the splitter sandbox and print its peak RSS.")
    .option("--lines <n>", "lines in the object", (v) => Number(v), 524_288)
    .option("--line-bytes <n>", "bytes per line, newline included", (v) => Number(v), 2048)
    .option("--stack <name>", "stack whose splitter settings (memory, timeout, partition key, shards) to use", "dev")
    .option("--splitter-timeout <seconds>", "override the splitter's timeout (fractions allowed), to measure across continuations", (v) => Number(v))
    .option("--rss-limit-mib <n>", "the peak RSS the splitter must stay under", (v) => Number(v), 256);

function* objectChunks(lines: number, lineBytes: number): Generator<Buffer> {
    let batch: string[] = [];
    for (let index = 0; index < lines; index++) {
        batch.push(workloadLine(index, { recordBytes: lineBytes - 1, seed: 6 }) + "\n");
        if (batch.length === 512) {
            yield Buffer.from(batch.join(""), "ascii");
            batch = [];
        }
    }
    if (batch.length) yield Buffer.from(batch.join(""), "ascii");
}

/** Peak RSS (VmHWM) of this process's child processes other than the sandboxes, by command line; Linux only. */
function childPeaks(exclude: Set<number>): string[] {
    const peaks: string[] = [];
    for (const entry of fs.existsSync("/proc") ? fs.readdirSync("/proc") : []) {
        if (!/^\d+$/.test(entry) || exclude.has(Number(entry))) continue;
        try {
            const status = fs.readFileSync(`/proc/${entry}/status`, "utf8");
            if (Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) !== process.pid) continue;
            const command = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").filter(Boolean);
            const kind = command.find((part) => part === "fauxqs" || part === "kinesalite");
            const hwm = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
            if (kind && hwm) peaks.push(`${kind} ${(Number(hwm) / 1024).toFixed(0)} MiB`);
        } catch {
            // gone already
        }
    }
    return peaks;
}

type BenchOptions = { lines: number; lineBytes: number; stack: string; splitterTimeout?: number; rssLimitMib: number };

async function main(): Promise<number> {
    program.parse();
    const options = program.opts<BenchOptions>();
    const stack = readStackFile(PROJECT_DIR, options.stack);
    const settings = { ...stack.settings, splitterTimeoutSeconds: options.splitterTimeout ?? stack.settings.splitterTimeoutSeconds };
    const region = "us-east-1";
    const objectBytes = options.lines * options.lineBytes;
    await using cleanup = new CleanupStack();
    const standIns = cleanup.adopt(await startStandIns(), (started) => started.stop());
    const clients = cleanup.adopt(createAwsClients(region, standIns.endpoints), destroyAwsClients);
    const resources = await provisionResources(clients, "bench", settings);
    const key = `bench/products-${options.lines}x${options.lineBytes}.jsonl`;

    let begin = Date.now();
    const uploaded = await new Upload({
        client: clients.s3,
        params: { Bucket: resources.inputBucket, Key: key, Body: Readable.from(objectChunks(options.lines, options.lineBytes)) },
    }).done();
    const uploadSeconds = (Date.now() - begin) / 1000;
    process.stdout.write(`uploaded     s3://${resources.inputBucket}/${key}: ${(objectBytes / MiB).toFixed(0)} MiB, ${options.lines.toLocaleString("en-US")} lines, in ${uploadSeconds.toFixed(1)} s\n`);

    const invokeApi = cleanup.adopt(await LambdaInvokeApi.start({ region }), (api) => api.close());
    const splitter = cleanup.adopt(
        new FunctionPool({
            functionName: resources.splitterFunction,
            handler: await serializeHandler(createSplitterHandler),
            environment: {
                ...splitterEnvironment({ streamName: resources.streamName, deadLetterQueueUrl: resources.deadLetterQueueUrl, partitionKey: settings.partitionKey, maxChainInvocations: settings.splitterMaxChainInvocations, handOffClaimBucket: resources.outputBucket }),
                ...endpointEnvironment(standIns.endpoints),
                AWS_ENDPOINT_URL_LAMBDA: invokeApi.endpoint,
            },
            memoryMb: settings.splitterMemoryMb,
            timeoutSeconds: settings.splitterTimeoutSeconds,
            region,
        }),
        (pool) => pool.close(),
    );
    const results: InvocationResult[] = [];
    const queue = cleanup.adopt(new AsyncInvocationQueue({ functionArn: splitter.functionArn, invoke: printingInvoke(splitter, results), retryDelaysMs: [] }), (started) => started.stop());
    invokeApi.register({ functionName: resources.splitterFunction, functionArn: splitter.functionArn, invoke: (event) => splitter.invoke(event), asyncQueue: queue });

    process.stdout.write(`splitting    memory ${settings.splitterMemoryMb} MB, timeout ${settings.splitterTimeoutSeconds} s, partition key ${settings.partitionKey}, ${resources.shardCount} shard(s)\n`);
    begin = Date.now();
    queue.enqueue(objectCreatedEvent({ bucket: resources.inputBucket, key, size: objectBytes, etag: uploaded.ETag ?? "", lastModified: new Date() }, region, "bench"));
    while (!queue.idle()) await new Promise((resolve) => setTimeout(resolve, 100));
    return printSummary(options, results, splitter.stats().peakRssBytes, (Date.now() - begin) / 1000);
}

/** Invokes the splitter, keeps the result and prints a line about it. */
function printingInvoke(splitter: FunctionPool, results: InvocationResult[]): (event: unknown) => Promise<InvocationResult> {
    return async (event) => {
        const result = await splitter.invoke(event);
        results.push(result);
        const payload = result.payload as SplitterResult | undefined;
        process.stdout.write(
            `  invocation ${results.length}: ${result.ok ? `${payload?.lines.toLocaleString("en-US")} lines from line ${payload?.details[0]?.firstLine}, ${payload?.details[0]?.status}` : `failed: ${result.errorType} ${result.errorMessage}`}; ${(result.durationMs / 1000).toFixed(1)} s; peak RSS ${((result.maxRssBytes ?? 0) / MiB).toFixed(0)} MiB${result.coldStart ? " (cold)" : ""}\n`,
        );
        return result;
    };
}

/** Prints the figures and returns the exit code: 0 when every line was split and the peak stayed under the limit. */
function printSummary(options: BenchOptions, results: InvocationResult[], peak: number, seconds: number): number {
    const objectBytes = options.lines * options.lineBytes;
    const payloads = results.flatMap((result) => (result.ok ? [result.payload as SplitterResult] : []));
    const lines = payloads.reduce((sum, payload) => sum + payload.lines, 0);
    const recordsPut = payloads.reduce((sum, payload) => sum + payload.recordsPut, 0);
    const ok = results.every((result) => result.ok) && lines === options.lines && peak < options.rssLimitMib * MiB;
    process.stdout.write(
        [
            `split        ${lines.toLocaleString("en-US")} lines, ${recordsPut.toLocaleString("en-US")} records put, in ${results.length} invocation(s), ${seconds.toFixed(1)} s (${(objectBytes / MiB / seconds).toFixed(1)} MiB/s, ${Math.round(lines / seconds).toLocaleString("en-US")} lines/s)`,
            `peak RSS     splitter sandbox ${(peak / MiB).toFixed(0)} MiB (limit ${options.rssLimitMib} MiB): ${peak < options.rssLimitMib * MiB ? "under" : "OVER"}`,
            `stand-ins    peak RSS ${childPeaks(new Set()).join(", ") || "n/a"}`,
            ok ? "result       ok" : "result       FAILED",
        ].join("\n") + "\n",
    );
    return ok ? 0 : 1;
}

main().then(
    (code) => process.exit(code),
    (error) => {
        process.stderr.write(`error: ${error instanceof Error ? error.stack : String(error)}\n`);
        process.exit(2);
    },
);
