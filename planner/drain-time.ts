/**
 * Predicts how long AWS takes to drain one file of N lines through splitter -> Kinesis -> writer.
 *
 * The model, stage by stage (every number is also written into the prediction's `notes`):
 *
 * 1. Splitter (one invocation per file). It sends put calls one after another, each carrying
 *    `recordsPerPutCall` records (500 by default, PutRecords' maximum, fewer if 5 MiB is reached;
 *    1 models the seed's PutRecord per line). Client rate = recordsPerPutCall / putRecordsCallMs.
 *    The shards it can use cap it: min(1,000 records/s, 1 MiB/s / record bytes) per shard used,
 *    after a first second at the client's rate (the limits are per second: an idle shard takes a
 *    second's worth at once, as the runtime's token buckets do).
 *    A constant partition key uses 1 shard; otherwise min(shards, distinct keys).
 * 2. Writer. Concurrent batches ("lanes") = shards used × parallelizationFactor, at most the
 *    distinct keys and Lambda's concurrency. A full batch holds min(batchSize, what 6 MB of
 *    payload holds, N / lanes) records and takes invokeOverhead + ceil(batch / writerConcurrency)
 *    × S3 PutObject latency, plus one GetRecords call before it. Rate = lanes × batch / cycle,
 *    capped by each used shard's reads: 2 MiB/s, and 5 GetRecords calls/s of at most 10,000
 *    records or 10 MiB each.
 * 3. Pipeline. The busiest lane's batches in time. Keys fall on shards by their MD5 hash and on a
 *    shard's lanes by key, so lanes are uneven: the busiest holds the median of the largest of the
 *    lanes' counts (planner/busiest-lane.ts), about 121 where the mean is 100 on 40 lanes, and gets
 *    that share of every read. Each put call's records reach the stream together when it completes.
 *    The mapping polls a caught-up shard once a second, at a phase nobody chooses: the first read
 *    finds the first call's records 0 to 1 s after they land, and the drain is the mean over ten
 *    phases of that second. A read that finds records is followed by another 0.2 s later; one that
 *    finds none leaves the shard caught up until the next once-a-second poll. A lane starts a
 *    batch when it is free and holds a full batch, or holds some records and its batching window
 *    has passed; the window starts when its previous invocation completes (AWS's rule for Kinesis).
 *    A lane's last batch waits out the window: keys spread unevenly, so it is rarely full.
 *    The lanes together read no faster than the shards' reads and S3's prefix allow. The drain ends
 *    with the busiest lane's last batch. The bottleneck is the slower stage's limit ("poll" when the
 *    last batch's window is longer than the whole split).
 *
 * 4. CPU. Each function's CPU (planner/measured-cpu.json, measured by `npm run calibrate-cpu`) at
 *    its memory's share of a vCPU (memoryMb / 1,769): a writer batch takes max(its I/O time, its
 *    CPU / share), its CPU being CPU per invocation + b × CPU per record + CPU per round for each of
 *    its ceil(b / writerConcurrency) rounds of PutObjects (all three measured held to the share). A put
 *    call of the splitter takes max(its latency, (its records' CPU + one round's) / share). Each lane's sandbox starts cold: its
 *    init (init's CPU on a full vCPU, as on-demand Lambda gives init), then V8's warm-up CPU at the
 *    share, most of it on the sandbox's first few hundred records (measured); the splitter's init
 *    comes before everything.
 *
 * Left out: throttling retries and their backoff, Lambda's scaling ramp, hash key ranges other than
 * a new stream's even split, shards polled at different phases (the runtime, too, draws one phase
 * for a mapping's shards), the splitter's own S3 read, whole records in a throttled trickle (a read
 * finds a share of one), and the runtime's AWS profile letting a put call's records be read up to
 * its latency (10 ms) before the call returns.
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
import { laneTimeline } from "./lane-timeline";
import { busiestLaneRecords } from "./busiest-lane";
import { batchCpuSeconds, batchIoSeconds, batchRounds } from "./writer-batch";

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
    /** Billed duration of one warm mean batch (invoke overhead plus the PutObject rounds, or its CPU). */
    meanBatchSeconds: number;
    /** Billed duration of one warm full batch. */
    fullBatchSeconds: number;
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
        meanBatchSeconds: write.batchSeconds(pipeline.meanBatch),
        fullBatchSeconds: write.batchSeconds(write.fullBatch),
        writerInvocations: pipeline.writerInvocations,
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
/** The splitter's records into the stream: its steady rate, and the shards' first second, which a full token bucket lets through at once. */
interface SplitterStage {
    rate: number;
    limit: Bottleneck;
    /** Records/s the splitter's put calls carry, before the shards' limits. */
    clientRate: number;
    /** Records the shards take at once when idle: one second of their write limit. */
    burst: number;
    /** Records of one put call, and the seconds between calls. */
    perCall: number;
    callSeconds: number;
}

/**
 * Records in the stream `seconds` after the splitter's init: a put call's records arrive together,
 * when the call completes (calls follow one another, each taking the longer of its latency and its
 * CPU), and no faster than the shards' first second and then their rate allow.
 */
function recordsSplit(split: SplitterStage, seconds: number): number {
    return Math.max(0, Math.min(split.perCall * callsDone(split, seconds), split.burst + split.rate * seconds));
}

function callsDone(split: SplitterStage, seconds: number): number {
    return Math.floor(seconds / split.callSeconds + 1e-9);
}

/** Seconds after the splitter's init when the records in the stream next grow after `seconds`: at once while the shards hold them back, else at its next call's completion. */
function nextArrival(split: SplitterStage, seconds: number): number {
    const throttled = split.burst + split.rate * seconds < split.perCall * callsDone(split, seconds);
    return throttled ? seconds : (callsDone(split, seconds) + 1) * split.callSeconds;
}

/** Seconds after the splitter's init until it has put n records: its last call's completion, or the shards' rate. */
function splitSecondsFor(split: SplitterStage, n: number): number {
    return Math.max(Math.ceil(n / split.perCall) * split.callSeconds, (n - split.burst) / split.rate);
}

function splitterStage(settings: FanoutSettings, shape: StreamShape, latencies: Latencies, options: DrainOptions, cpu: MeasuredCpu, notes: string[]): SplitterStage {
    const { recordBytes, shardsUsed } = shape;
    const perCall =
        options.recordsPerPutCall ??
        Math.min(kinesis.putRecordsMaxRecords, Math.floor(kinesis.putRecordsMaxBytes / (recordBytes + PARTITION_KEY_BYTES_ESTIMATE)));
    const callCpuMs = cpuSeconds({ ...cpu.splitter, msPerInvocation: 0 }, Math.max(1, perCall), settings.splitterMemoryMb, { rounds: 1 }) * 1000;
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
            `= ${fmt(shardWriteRate)}; in = ${fmt(rate)} records/s (${limit})` +
            (limit === "shard-write" ? `, after a first second at the client's rate (a shard's limits are per second: an idle one takes a second's worth at once)` : ""),
    );
    return { rate, limit, clientRate, burst: shardWriteRate, perCall: Math.max(1, perCall), callSeconds: callMs / 1000 };
}

interface WriterStage {
    rate: number;
    limit: Bottleneck;
    lanes: number;
    /** Records of a full batch: BatchSize, or what the 6 MB payload holds; and of the mean lane's, at most its share of the file. */
    batchLimit: number;
    fullBatch: number;
    /** Billed seconds of a warm batch of b records. */
    batchSeconds: (b: number) => number;
    /** Seconds of the lane's batch of b records after the sandbox's first `before` records: a warm batch, plus V8's warm-up still due, plus init on a cold start. */
    laneBatchSeconds: (b: number, before: number) => number;
    /** Records/s the shards' reads and S3's prefix allow all lanes together. */
    readCap: number;
}

/** 2. Writer: concurrent batches ("lanes"), capped by each used shard's reads. */
function writerStage(settings: FanoutSettings, shape: StreamShape, latencies: Latencies, options: DrainOptions, cpu: MeasuredCpu, notes: string[]): WriterStage {
    const { records: n, recordBytes, shardsUsed } = shape;
    const lanes = Math.max(1, Math.min(writerLanes(settings, shardsUsed), shape.distinctKeys, n, options.lambdaConcurrency ?? lambda.concurrency));
    const payloadFit = recordsPerPayload(shape.lineBytes);
    const batchLimit = Math.max(1, Math.min(settings.batchSize, payloadFit));
    const fullBatch = Math.min(batchLimit, Math.ceil(n / lanes) || 1);
    if (payloadFit < settings.batchSize) notes.push(`6 MB invocation payload holds ${payloadFit} records, so batches stop there (batchSize ${settings.batchSize})`);
    const rounds = (b: number) => batchRounds(b, settings.writerConcurrency);
    const ioSeconds = (b: number) => batchIoSeconds(b, settings.writerConcurrency, latencies);
    const memory = settings.writerMemoryMb;
    const batchCpu = (b: number) => batchCpuSeconds(cpu.writer, b, memory, settings.writerConcurrency);
    const batchSeconds = (b: number) => Math.max(ioSeconds(b), batchCpu(b));
    const init = initSeconds(cpu.writer, memory);
    const laneBatchSeconds = (b: number, before: number) =>
        (before === 0 ? init : 0) + Math.max(ioSeconds(b), batchCpu(b) + warmUpCpuSeconds(cpu.writer, memory, before, before + b));
    const cpuBound = batchCpu(fullBatch) > ioSeconds(fullBatch);
    notes.push(
        `writer CPU: init ${cpu.writer.msInit} ms on a full vCPU, ${cpu.writer.msPerInvocation} ms an invocation + ${cpu.writer.msPerRecord} ms a record + ${cpu.writer.msPerRound} ms a round of PutObjects, ` +
            `+ ${cpu.writer.msFirstInvocation} ms in a sandbox's first invocation and ${cpu.writer.msWarmUp} ms more once per sandbox while V8 warms up (63% of it over its first ${cpu.writer.warmUpRecords} records), measured ${cpu.measuredAt.slice(0, 10)} on ${cpu.machine.cpuModel}; ` +
            `at ${memory} MB (${fmt(memory / AWS_LIMITS.lambda.memoryMbPerVcpu)} vCPU) a full batch of ${fullBatch} in ${rounds(fullBatch)} rounds needs ${fmt(batchCpu(fullBatch))} s of CPU against ${fmt(ioSeconds(fullBatch))} s of I/O` +
            (cpuBound ? ": CPU-bound" : `: its CPU fills ${fmt((batchCpu(fullBatch) / ioSeconds(fullBatch)) * 100)}% of it`),
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
    return { rate, limit, lanes, fullBatch, batchLimit, batchSeconds, laneBatchSeconds, readCap: Math.min(readRate, pollRate, s3Cap) };
}

interface PipelineStage {
    seconds: number;
    bottleneck: Bottleneck;
    splitSeconds: number;
    writeSeconds: number;
    meanBatch: number;
    /** Billed seconds of the lane's last batch. */
    lastRun: number;
    writerInvocations: number;
}

/** Lambda polls a caught-up shard once a second (with-kinesis, "Polling and batching streams"), so new records wait up to that long for their first read. */
const CAUGHT_UP_POLL_SECONDS = 1;
/** The poll's phase after the first records land, as fractions of its second: ten, evenly spaced. */
const POLL_PHASES = Array.from({ length: 10 }, (_, i) => (i + 0.5) / 10);
/** Drains longer than this take the middle phase alone: a second of phase is under 0.1% of them. */
const LONG_DRAIN_SECONDS = 1000;

/**
 * 3. Pipeline: the busiest lane's batches in time, fed by the splitter's put calls (the lane gets its
 * share of each). The mapping's first read finds the first call's records up to a caught-up poll
 * later; reads follow every 0.2 s (5 GetRecords a second) while they find records, and a second
 * apart once one finds none. A lane starts its next batch when it is free and has a full batch, or
 * when it has records and its batching window has passed; the window starts when the lane's
 * previous invocation completes ("the next batching window begins as soon as the previous function
 * invocation completes", invocation-eventsourcemapping). A lane's first batch also pays the
 * sandbox's init, and its first records V8's warm-up. The mean lane's timeline counts the invocations.
 */
function pipelineStage(
    settings: FanoutSettings,
    shape: StreamShape,
    latencies: Latencies,
    split: SplitterStage,
    write: WriterStage,
    splitterInit: number,
    notes: string[],
): PipelineStage {
    const n = shape.records;
    const splitSeconds = splitSecondsFor(split, n);
    const writeSeconds = n / write.rate;
    if (n === 0) return { seconds: 0, bottleneck: write.limit, splitSeconds, writeSeconds, meanBatch: 0, lastRun: 0, writerInvocations: 0 };
    const window = settings.maximumBatchingWindowInSeconds;
    const start = splitterInit;
    // The first put call's records land `firstLanding` after the splitter's init; the mapping's
    // once-a-second poll of the caught-up shard finds them up to a second later.
    const firstLanding = split.callSeconds;
    // A lane that holds `perLane` of the file's records gets that share of every read.
    const lane = (perLane: number, phase: number) =>
        laneTimeline({
            perLane,
            start,
            inStream: (seconds) => (recordsSplit(split, seconds) * perLane) / n,
            nextArrival: (seconds) => nextArrival(split, seconds),
            firstReadAfter: firstLanding + phase * CAUGHT_UP_POLL_SECONDS,
            readEvery: 1 / kinesis.shardGetRecordsCallsPerSecond,
            caughtUpEvery: CAUGHT_UP_POLL_SECONDS,
            readLag: latencies.getRecordsMs / 1000,
            window,
            fullBatch: write.batchLimit,
            // The lanes together read and store no faster than the shards' reads and S3's prefix allow.
            batchSeconds: (batch, before) => Math.max(write.laneBatchSeconds(batch, before), (batch * write.lanes) / write.readCap),
        });
    const perLane = n / write.lanes;
    // Keys fall on every lane the shards in use have, whether or not as many keys or records come.
    const busiest = busiestLaneRecords(n, shape.distinctKeys, writerLanes(settings, shape.shardsUsed));
    // The poll's phase is anyone's: the drain's seconds, and the mean lane's batches, are their mean over it.
    // Past LONG_DRAIN_SECONDS the phase's second is lost in the drain, and the middle phase alone stands for it.
    const atMiddle = lane(busiest, 0.5);
    const long = atMiddle.finish > LONG_DRAIN_SECONDS;
    const phases = long ? [0.5] : POLL_PHASES;
    const byPhase = long ? [atMiddle] : POLL_PHASES.map((phase) => lane(busiest, phase));
    const batches = phases.reduce((sum, phase) => sum + lane(perLane, phase).batches, 0) / phases.length;
    const seconds = byPhase.reduce((sum, timeline) => sum + timeline.finish, 0) / byPhase.length;
    const { lastRun, lastWindowWait, batches: busiestBatches } = atMiddle;
    const [fastest, slowest] = [Math.min(...byPhase.map((t) => t.finish)), Math.max(...byPhase.map((t) => t.finish))];
    const meanBatch = perLane / batches;
    const bottleneck = split.rate < write.rate ? (lastWindowWait > splitSeconds ? "poll" : split.limit) : write.limit;
    notes.push(
        `pipeline: records reach the stream from ${fmt(start + firstLanding)} s (the splitter's init and first put call) to ${fmt(start + splitSeconds)} s; ` +
            `each of ${write.lanes} lane(s) runs ${fmt(batches)} batch(es) of ${fmt(meanBatch)} records on average (the batching window of ${window} s starting when its previous one completes)` +
            (write.lanes > 1 ? `; keys spread unevenly, so the busiest lane holds about ${fmt(busiest)} records, not ${fmt(perLane)}, in ${busiestBatches} batch(es)` : "") +
            `; the first read finds the first put call's records 0 to ${CAUGHT_UP_POLL_SECONDS} s after they land (the mapping's poll of a caught-up shard), ` +
            `so the last batch is done ${slowest - fastest < 0.0005 ? `at ${fmt(seconds)} s` : `between ${fmt(fastest)} and ${fmt(slowest)} s, at ${fmt(seconds)} s on average`}; bottleneck ${bottleneck}`,
    );
    if (splitSeconds > settings.splitterTimeoutSeconds) {
        notes.push(`the splitter needs ${fmt(splitSeconds)} s for this file, more than its ${settings.splitterTimeoutSeconds} s timeout`);
    }
    const fullRun = write.batchSeconds(write.fullBatch);
    if (fullRun > settings.writerTimeoutSeconds) {
        notes.push(`a writer batch needs ${fmt(fullRun)} s, more than the writer's ${settings.writerTimeoutSeconds} s timeout`);
    }
    return { seconds, bottleneck, splitSeconds, writeSeconds, meanBatch, lastRun, writerInvocations: Math.round(batches * write.lanes) };
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
