/**
 * Predicts how long AWS takes to drain one file of N lines through splitter -> Kinesis -> writer.
 *
 * The model, stage by stage (every number is also written into the prediction's `notes`):
 *
 * 1. Splitter (one invocation per file). It sends put calls one after another, each carrying
 *    `recordsPerPutCall` records (500 by default, PutRecords' maximum, fewer if 5 MiB is reached;
 *    1 models the seed's PutRecord per line). Client rate = recordsPerPutCall / putRecordsCallMs.
 *    The shards it can use cap it: min(1,000 records/s, 1 MiB/s / record bytes) per shard used.
 *    A constant partition key uses 1 shard; otherwise min(shards, distinct keys).
 * 2. Writer. Concurrent batches ("lanes") = shards used × parallelizationFactor, at most the
 *    distinct keys and Lambda's concurrency. A full batch holds min(batchSize, what 6 MB of
 *    payload holds, N / lanes) records and takes invokeOverhead + ceil(batch / writerConcurrency)
 *    × S3 PutObject latency, plus one GetRecords call before it. Rate = lanes × batch / cycle,
 *    capped by each used shard's reads: 2 MiB/s, and 5 GetRecords calls/s of at most 10,000
 *    records or 10 MiB each.
 * 3. Pipeline. Two stages in series, each at its steady rate (the usual bound for a pipeline):
 *      seconds = max(split time + the last batch's wait and run,
 *                    the first record's arrival at the writer + write time)
 *    When the splitter is the slower stage, writers see fewer records than a full batch: the mean
 *    batch b solves b = (split rate / lanes) × max(batching window, 0.2 s between polls of a
 *    shard, cycle(b)), at most a full batch. The last records wait out the batching window.
 *    The bottleneck reported is the largest term of the bound that wins ("poll" when waiting for
 *    GetRecords and batching windows is the largest).
 *
 * 4. CPU. Each function's CPU (planner/measured-cpu.json, measured by `npm run calibrate-cpu`) at
 *    its memory's share of a vCPU (memoryMb / 1,769): a writer batch takes max(its I/O time,
 *    (CPU per invocation + b × CPU per record + ceil(b / writerConcurrency) × CPU per wait) / share),
 *    and a put call of the splitter max(its latency, (its records' CPU + one wait's) / share). Each
 *    lane's sandbox starts cold: its init (init's CPU on a full vCPU, as on-demand Lambda gives
 *    init), then V8's warm-up CPU (spread over its first thousand or so records, measured) at the
 *    share; the splitter's init comes before everything.
 *
 * Left out: throttling retries and their backoff, cold starts, Lambda's scaling ramp, S3's
 * 3,500 PUT/s per prefix, uneven spreading of keys over shards, the splitter's own S3 read.
 */
import type { FanoutSettings } from "../settings/parse";
import { effectiveShardCount, writerLanes } from "../settings/parse";
import { parsePartitionKey } from "../handlers/shared/partition-key";
import { AWS_LIMITS } from "../settings/aws-limits";
import { PARTITION_KEY_BYTES_ESTIMATE, kinesisRecordBytes, recordsPerPayload } from "../settings/record-sizes";
import { SEED_LATENCIES, type Latencies } from "./latencies";
import { concurrencyWarnings } from "./concurrency-warning";
import { s3PrefixPutCap } from "./s3-prefix-cap";
import { cpuSeconds, initSeconds, loadMeasuredCpu, warmUpCpuSeconds, type MeasuredCpu } from "./function-cpu";

export interface Workload {
    /** Lines in the file, each one a record. */
    records: number;
    /** Bytes of one line (the record adds its envelope header). */
    recordBytes: number;
    /** Distinct partition keys among the records; defaults to one per record (a constant key is 1). */
    distinctKeys?: number;
}

export interface DrainOptions {
    /** Records per put call: 500 by default (PutRecords), 1 for the seed's one PutRecord per line. */
    recordsPerPutCall?: number;
    /** Concurrent executions the writer may use (default 1,000, an account's default). */
    lambdaConcurrency?: number;
    /** The functions' CPU; default planner/measured-cpu.json. NO_CPU leaves CPU out. */
    cpu?: MeasuredCpu;
}

export type Bottleneck = "shard-write" | "shard-read" | "writers" | "splitter" | "poll" | "s3-prefix";

export interface DrainPrediction {
    seconds: number;
    recordsPerSecond: number;
    bottleneck: Bottleneck;
    stages: {
        splitSeconds: number;
        writeSeconds: number;
        /** Records/s into the stream ("in"). */
        splitRecordsPerSecond: number;
        /** Records/s the writers can store when batches are full ("out"). */
        writeRecordsPerSecond: number;
    };
    shardsUsed: number;
    concurrentBatches: number;
    /** Records in a full batch, and in the mean batch this drain produces. */
    fullBatchRecords: number;
    meanBatchRecords: number;
    /** Billed duration of one mean batch (invoke overhead plus the PutObject rounds). */
    meanBatchSeconds: number;
    writerInvocations: number;
    notes: string[];
}

const { kinesis, lambda } = AWS_LIMITS;

export function predictDrainTime(
    settings: FanoutSettings,
    workload: Workload,
    latencies: Latencies = SEED_LATENCIES,
    options: DrainOptions = {},
): DrainPrediction {
    checkInputs(workload, latencies, options);
    const notes: string[] = [];
    const cpu = options.cpu ?? loadMeasuredCpu();
    const shape = streamShape(settings, workload, notes);
    const split = splitterStage(settings, shape, latencies, options, cpu, notes);
    const write = writerStage(settings, shape, latencies, options, cpu, notes);
    const pipeline = pipelineStage(settings, shape, latencies, split, write, initSeconds(cpu.splitter, settings.splitterMemoryMb), notes);
    notes.push(...concurrencyWarnings(settings, shape.shardsUsed, options.lambdaConcurrency));
    const n = shape.records;
    return {
        seconds: pipeline.seconds,
        recordsPerSecond: n === 0 ? 0 : n / pipeline.seconds,
        bottleneck: pipeline.bottleneck,
        stages: { splitSeconds: pipeline.splitSeconds, writeSeconds: pipeline.writeSeconds, splitRecordsPerSecond: split.rate, writeRecordsPerSecond: write.rate },
        shardsUsed: shape.shardsUsed,
        concurrentBatches: write.lanes,
        fullBatchRecords: write.fullBatch,
        meanBatchRecords: pipeline.meanBatch,
        meanBatchSeconds: pipeline.lastRun,
        writerInvocations: Math.ceil(n / pipeline.meanBatch),
        notes,
    };
}

/** The file's records and the shards they land on. */
interface StreamShape {
    records: number;
    lineBytes: number;
    recordBytes: number;
    distinctKeys: number;
    shardsUsed: number;
}

function streamShape(settings: FanoutSettings, workload: Workload, notes: string[]): StreamShape {
    const n = workload.records;
    const constantKey = parsePartitionKey(settings.partitionKey).kind === "constant";
    const distinctKeys = constantKey ? 1 : Math.max(1, workload.distinctKeys ?? n);
    const shards = effectiveShardCount(settings);
    if (constantKey && shards > 1) notes.push(`constant partition key: 1 of ${shards} shards takes every record`);
    return { records: n, lineBytes: workload.recordBytes, recordBytes: kinesisRecordBytes(workload.recordBytes), distinctKeys, shardsUsed: Math.min(shards, distinctKeys) };
}

/** 1. Splitter: put calls one after another, capped by the shards' write limits. */
function splitterStage(settings: FanoutSettings, shape: StreamShape, latencies: Latencies, options: DrainOptions, cpu: MeasuredCpu, notes: string[]): { rate: number; limit: Bottleneck } {
    const { recordBytes, shardsUsed } = shape;
    const perCall =
        options.recordsPerPutCall ??
        Math.min(kinesis.putRecordsMaxRecords, Math.floor(kinesis.putRecordsMaxBytes / (recordBytes + PARTITION_KEY_BYTES_ESTIMATE)));
    const callCpuMs = cpuSeconds({ ...cpu.splitter, msPerInvocation: 0 }, Math.max(1, perCall), settings.splitterMemoryMb, { waits: 1 }) * 1000;
    const callMs = Math.max(latencies.putRecordsCallMs, callCpuMs);
    if (callCpuMs > latencies.putRecordsCallMs) {
        notes.push(`splitter CPU: ${fmt(callCpuMs)} ms per put call at ${settings.splitterMemoryMb} MB (${fmt(settings.splitterMemoryMb / AWS_LIMITS.lambda.memoryMbPerVcpu)} vCPU) is more than its ${latencies.putRecordsCallMs} ms latency`);
    }
    const clientRate = (Math.max(1, perCall) * 1000) / callMs;
    const perShardWrite = Math.min(kinesis.shardWriteRecordsPerSecond, kinesis.shardWriteBytesPerSecond / recordBytes);
    const shardWriteRate = shardsUsed * perShardWrite;
    const rate = Math.min(clientRate, shardWriteRate);
    const limit: Bottleneck = clientRate <= shardWriteRate ? "splitter" : "shard-write";
    notes.push(
        `splitter: ${perCall} record(s) per put call every ${fmt(callMs)} ms = ${fmt(clientRate)} records/s; ` +
            `shard writes allow ${shardsUsed} shard(s) × ${fmt(perShardWrite)} records/s (1,000 records/s or 1 MiB/s of ${recordBytes}-byte records) ` +
            `= ${fmt(shardWriteRate)}; in = ${fmt(rate)} records/s (${limit})`,
    );
    return { rate, limit };
}

interface WriterStage {
    rate: number;
    limit: Bottleneck;
    lanes: number;
    fullBatch: number;
    /** Billed seconds of a batch of b records, and the same after its GetRecords call. */
    batchSeconds: (b: number) => number;
    cycle: (b: number) => number;
    /** Seconds a lane's first batch takes longer on a cold sandbox: its init, and V8 warming up. */
    warmUpSeconds: number;
}

/** 2. Writer: concurrent batches ("lanes"), capped by each used shard's reads. */
function writerStage(settings: FanoutSettings, shape: StreamShape, latencies: Latencies, options: DrainOptions, cpu: MeasuredCpu, notes: string[]): WriterStage {
    const { records: n, recordBytes, shardsUsed } = shape;
    const lanes = Math.max(1, Math.min(writerLanes(settings, shardsUsed), shape.distinctKeys, options.lambdaConcurrency ?? lambda.concurrency));
    const payloadFit = recordsPerPayload(shape.lineBytes);
    const fullBatch = Math.max(1, Math.min(settings.batchSize, payloadFit, Math.ceil(n / lanes) || 1));
    if (payloadFit < settings.batchSize) notes.push(`6 MB invocation payload holds ${payloadFit} records, so batches stop there (batchSize ${settings.batchSize})`);
    const ioSeconds = (b: number) => (latencies.invokeOverheadMs + Math.ceil(b / settings.writerConcurrency) * latencies.s3PutObjectMs) / 1000;
    const memory = settings.writerMemoryMb;
    // A batch waits once for each round of writerConcurrency PutObjects.
    const batchCpu = (b: number) => cpuSeconds(cpu.writer, b, memory, { waits: Math.ceil(b / settings.writerConcurrency) });
    const batchSeconds = (b: number) => Math.max(ioSeconds(b), batchCpu(b));
    // A new sandbox's init, and V8's warm-up CPU on top of its first batches' own (what I/O waits don't cover).
    const warmUpSeconds = initSeconds(cpu.writer, memory) + Math.max(ioSeconds(fullBatch), batchCpu(fullBatch) + warmUpCpuSeconds(cpu.writer, memory, n / lanes)) - batchSeconds(fullBatch);
    const cpuBound = batchCpu(fullBatch) > ioSeconds(fullBatch);
    notes.push(
        `writer CPU: init ${cpu.writer.msInit} ms on a full vCPU, ${cpu.writer.msPerInvocation} ms an invocation + ${cpu.writer.msPerRecord} ms a record + ${cpu.writer.msPerWait} ms a round of PutObjects + ${cpu.writer.msWarmUp} ms once per sandbox while V8 warms up, measured ${cpu.measuredAt.slice(0, 10)} on ${cpu.machine.cpuModel}; ` +
            `at ${memory} MB (${fmt(memory / AWS_LIMITS.lambda.memoryMbPerVcpu)} vCPU) a full batch needs ${fmt(batchCpu(fullBatch))} s of CPU against ${fmt(ioSeconds(fullBatch))} s of I/O` +
            (cpuBound ? ": CPU-bound" : ""),
    );
    const cycle = (b: number) => latencies.getRecordsMs / 1000 + batchSeconds(b);
    // Lanes beyond the file's records have nothing to do: at most N records are in flight.
    const writersRate = Math.min(lanes * fullBatch, Math.max(1, n)) / cycle(fullBatch);
    const readRate = (shardsUsed * kinesis.shardReadBytesPerSecond) / recordBytes;
    const pollRate = shardsUsed * kinesis.shardGetRecordsCallsPerSecond * Math.min(kinesis.getRecordsMaxRecords, kinesis.getRecordsMaxBytes / recordBytes);
    const s3Cap = s3PrefixPutCap(settings.outputKeyTemplate);
    const rate = Math.min(writersRate, readRate, pollRate, s3Cap);
    const limit: Bottleneck = rate === writersRate ? "writers" : rate === readRate ? "shard-read" : rate === pollRate ? "poll" : "s3-prefix";
    notes.push(
        `writer: ${lanes} concurrent batch(es) (${shardsUsed} shard(s) × parallelizationFactor ${settings.parallelizationFactor}) of ${fullBatch} records; ` +
            `a batch takes ${cpuBound ? "its CPU time, more than its I/O: " : ""}${latencies.invokeOverheadMs} ms + ceil(${fullBatch} / ${settings.writerConcurrency}) × ${latencies.s3PutObjectMs} ms = ${fmt(ioSeconds(fullBatch))} s` +
            `${cpuBound ? `, CPU ${fmt(batchSeconds(fullBatch))} s` : ""} ` +
            `after a ${latencies.getRecordsMs} ms GetRecords; writers ${fmt(writersRate)} records/s, shard reads ${fmt(readRate)}, ` +
            `GetRecords calls ${fmt(pollRate)}; out = ${fmt(rate)} records/s (${limit})`,
    );
    if (limit === "s3-prefix") notes.push(`S3 allows ${s3Cap.toLocaleString("en-US")} PutObject/s on the output keys' one prefix (503 SlowDown above it): out is capped there`);
    return { rate, limit, lanes, fullBatch, batchSeconds, cycle, warmUpSeconds };
}

interface PipelineStage {
    seconds: number;
    bottleneck: Bottleneck;
    splitSeconds: number;
    writeSeconds: number;
    meanBatch: number;
    /** Billed seconds of the last (mean) batch. */
    lastRun: number;
}

/** 3. Pipeline: the two stages in series, each at its steady rate. */
function pipelineStage(
    settings: FanoutSettings,
    shape: StreamShape,
    latencies: Latencies,
    split: { rate: number; limit: Bottleneck },
    write: WriterStage,
    splitterInit: number,
    notes: string[],
): PipelineStage {
    const n = shape.records;
    const window = settings.maximumBatchingWindowInSeconds;
    // A shard is polled at most 5 times a second, so a lane gets a new batch at most that often.
    const minimumWait = Math.max(window, 1 / kinesis.shardGetRecordsCallsPerSecond);
    const meanBatch = split.rate >= write.rate ? write.fullBatch : meanBatchWhenFed(split.rate / write.lanes, minimumWait, write.fullBatch, write.cycle);
    const splitSeconds = n / split.rate;
    const writeSeconds = n / write.rate;
    // The last records rarely fill a batch, so they wait out the batching window.
    const lastWait = window + latencies.getRecordsMs / 1000;
    const lastRun = write.batchSeconds(meanBatch);
    const firstArrival = latencies.putRecordsCallMs / 1000 + Math.min(window, write.fullBatch / split.rate) + latencies.getRecordsMs / 1000;
    // Everything waits for the splitter's cold start.
    const splitSide = splitterInit + splitSeconds + lastWait + lastRun;
    const writeSide = splitterInit + firstArrival + write.warmUpSeconds + writeSeconds;
    const seconds = n === 0 ? 0 : Math.max(splitSide, writeSide);
    const bottleneck =
        splitSide >= writeSide
            ? largest([splitSeconds, split.limit], [lastWait, "poll"], [lastRun, "writers"])
            : largest([writeSeconds, write.limit], [firstArrival, "poll"]);
    notes.push(
        `pipeline: max(split ${fmt(splitSeconds)} s + last batch ${fmt(lastWait + lastRun)} s, first record ${fmt(firstArrival)} s + warm-up ${fmt(write.warmUpSeconds)} s + write ${fmt(writeSeconds)} s) ` +
            `+ splitter init ${fmt(splitterInit)} s = ${fmt(seconds)} s; mean batch ${fmt(meanBatch)} records; bottleneck ${bottleneck}`,
    );
    if (splitSeconds > settings.splitterTimeoutSeconds) {
        notes.push(`the splitter needs ${fmt(splitSeconds)} s for this file, more than its ${settings.splitterTimeoutSeconds} s timeout`);
    }
    if (lastRun > settings.writerTimeoutSeconds) {
        notes.push(`a writer batch needs ${fmt(lastRun)} s, more than the writer's ${settings.writerTimeoutSeconds} s timeout`);
    }
    return { seconds, bottleneck, splitSeconds, writeSeconds, meanBatch, lastRun };
}

/** The steady batch size when records arrive at `perLaneRate` per lane: b = rate × max(wait, cycle(b)). */
function meanBatchWhenFed(perLaneRate: number, minimumWait: number, fullBatch: number, cycle: (b: number) => number): number {
    let batch = 1;
    for (let i = 0; i < 100; i++) {
        const next = Math.min(fullBatch, Math.max(1, perLaneRate * Math.max(minimumWait, cycle(batch))));
        if (Math.abs(next - batch) < 1e-9) break;
        batch = next;
    }
    return batch;
}

function largest(...terms: Array<[number, Bottleneck]>): Bottleneck {
    return terms.reduce((best, term) => (term[0] > best[0] ? term : best))[1];
}

function checkInputs(workload: Workload, latencies: Latencies, options: DrainOptions): void {
    if (!Number.isInteger(workload.records) || workload.records < 0) {
        throw new Error(`workload.records must be a whole number of at least 0 (got ${workload.records})`);
    }
    if (!Number.isFinite(workload.recordBytes) || workload.recordBytes < 1 || workload.recordBytes > kinesis.recordMaxBytes) {
        throw new Error(`workload.recordBytes must be between 1 and ${kinesis.recordMaxBytes}, Kinesis's record limit (got ${workload.recordBytes})`);
    }
    if (workload.distinctKeys !== undefined && !(Number.isInteger(workload.distinctKeys) && workload.distinctKeys >= 1)) {
        throw new Error(`workload.distinctKeys must be a whole number of at least 1 (got ${workload.distinctKeys})`);
    }
    for (const [name, value] of Object.entries(latencies)) {
        if (!Number.isFinite(value) || value < 0) throw new Error(`latencies.${name} must be a number of milliseconds, 0 or more (got ${value})`);
    }
    if (!(latencies.putRecordsCallMs > 0)) throw new Error(`latencies.putRecordsCallMs must be more than 0 (got ${latencies.putRecordsCallMs})`);
    const perCall = options.recordsPerPutCall;
    if (perCall !== undefined && !(Number.isInteger(perCall) && perCall >= 1 && perCall <= kinesis.putRecordsMaxRecords)) {
        throw new Error(`recordsPerPutCall must be between 1 and ${kinesis.putRecordsMaxRecords}, PutRecords' limit (got ${perCall})`);
    }
    const concurrency = options.lambdaConcurrency;
    if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) {
        throw new Error(`lambdaConcurrency must be a whole number of at least 1 (got ${concurrency})`);
    }
}

function fmt(value: number): string {
    return Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 3 : 1);
}
