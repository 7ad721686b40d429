import type { Clock } from "../clock";
import { AWS_LIMITS } from "../../settings/aws-limits";

/**
 * The knobs of the AWS profile: per-shard limits of a provisioned Kinesis stream and per-call
 * latencies, with defaults calibrated from the seed's measurements (see ../shared/field-notes.md).
 */
export interface AwsProfileOptions {
    /**
     * Delay the proxy adds to a PutRecords or PutRecord call, in ms (±10 % seeded jitter). Default 8:
     * with the SDK's own 2 to 3 ms on the caller's side (measured here), the function sees the
     * seed's 10 ms.
     */
    putRecordsLatencyMs?: number;
    /** Latency of a GetRecords call, drawn uniformly from [low, high] ms. Seed: [5, 18] (its maximum was 18 ms). */
    getRecordsLatencyMs?: [number, number];
    /**
     * Delay the proxy adds to an S3 PutObject (and UploadPart) before the response starts, in ms
     * (±10 %). Default 48: with the SDK's own time, the function sees the seed's 50 ms.
     */
    s3PutObjectLatencyMs?: number;
    /** Time to the first byte of an S3 GetObject, in ms (±10 %); the body then streams at local speed. Default 20. */
    s3GetObjectLatencyMs?: number;
    /** Latency of every other Kinesis or S3 call, in ms (±10 %). Default 2. */
    otherLatencyMs?: number;
    /** Per-shard write limit in bytes/s, data plus partition key (AWS: 1 MiB/s). `Infinity` turns it off. */
    shardWriteBytesPerSecond?: number;
    /** Per-shard write limit in records/s (AWS: 1,000). `Infinity` turns it off. */
    shardWriteRecordsPerSecond?: number;
    /** Per-shard read limit in bytes/s of returned data (AWS: 2 MiB/s, shared by standard consumers). */
    shardReadBytesPerSecond?: number;
    /** Per-shard GetRecords calls/s (AWS: 5). */
    shardGetRecordsPerSecond?: number;
    /** S3 PUT/COPY/POST/DELETE requests/s per key prefix before 503 SlowDown (AWS: 3,500). `Infinity` turns it off. */
    s3PutRequestsPerSecondPerPrefix?: number;
    /** Seed of the latency jitter, so that two runs with the same calls see the same delays. */
    seed?: number;
}

/** Not part of the profile: lets tests hold the clock still, so a "within one second" burst is exact. */
export interface AwsProfileHooks {
    /** Times the token buckets, the latencies and the iterators' lifetime. Default real time. */
    clock?: Clock;
}

export type ResolvedAwsProfileOptions = Required<AwsProfileOptions>;


/**
 * Calibrated so that the seed article's own code, run under this profile by `npm run bench`, sees
 * the seed's figures: about 10 ms per put call and 50 ms per PutObject, as measured from inside
 * the function (so the proxy adds a little less than that; see the options above).
 */
export const SEED_CALIBRATION: Required<AwsProfileOptions> = Object.freeze({
    putRecordsLatencyMs: 8,
    getRecordsLatencyMs: [5, 18] as [number, number],
    s3PutObjectLatencyMs: 48,
    s3GetObjectLatencyMs: 20,
    otherLatencyMs: 2,
    shardWriteBytesPerSecond: AWS_LIMITS.kinesis.shardWriteBytesPerSecond,
    shardWriteRecordsPerSecond: AWS_LIMITS.kinesis.shardWriteRecordsPerSecond,
    shardReadBytesPerSecond: AWS_LIMITS.kinesis.shardReadBytesPerSecond,
    shardGetRecordsPerSecond: AWS_LIMITS.kinesis.shardGetRecordsCallsPerSecond,
    s3PutRequestsPerSecondPerPrefix: AWS_LIMITS.s3.putRequestsPerSecondPerPrefix,
    seed: 1,
});

function requireNonNegative(name: string, value: number): void {
    if (!Number.isFinite(value) || value < 0) {
        throw new Error(`AWS profile option ${name} is ${value}; it must be a finite number of milliseconds >= 0`);
    }
}

function requirePositiveRate(name: string, value: number): void {
    if (Number.isNaN(value) || value <= 0) {
        throw new Error(`AWS profile option ${name} is ${value}; it must be a rate > 0 per second (Infinity turns the limit off)`);
    }
}

/** Fills in SEED_CALIBRATION for every option left out and checks the rest. */
export function resolveAwsProfileOptions(options: AwsProfileOptions = {}): ResolvedAwsProfileOptions {
    const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
    const resolved: ResolvedAwsProfileOptions = { ...SEED_CALIBRATION, ...defined };
    requireNonNegative("putRecordsLatencyMs", resolved.putRecordsLatencyMs);
    requireNonNegative("s3PutObjectLatencyMs", resolved.s3PutObjectLatencyMs);
    requireNonNegative("s3GetObjectLatencyMs", resolved.s3GetObjectLatencyMs);
    requireNonNegative("otherLatencyMs", resolved.otherLatencyMs);
    const range = resolved.getRecordsLatencyMs;
    if (!Array.isArray(range) || range.length !== 2) {
        throw new Error(`AWS profile option getRecordsLatencyMs is ${JSON.stringify(range)}; it must be a pair [low, high] of milliseconds`);
    }
    requireNonNegative("getRecordsLatencyMs[0]", range[0]);
    requireNonNegative("getRecordsLatencyMs[1]", range[1]);
    if (range[0] > range[1]) {
        throw new Error(`AWS profile option getRecordsLatencyMs is [${range[0]}, ${range[1]}]; low must not exceed high`);
    }
    requirePositiveRate("shardWriteBytesPerSecond", resolved.shardWriteBytesPerSecond);
    requirePositiveRate("shardWriteRecordsPerSecond", resolved.shardWriteRecordsPerSecond);
    requirePositiveRate("shardReadBytesPerSecond", resolved.shardReadBytesPerSecond);
    requirePositiveRate("shardGetRecordsPerSecond", resolved.shardGetRecordsPerSecond);
    requirePositiveRate("s3PutRequestsPerSecondPerPrefix", resolved.s3PutRequestsPerSecondPerPrefix);
    if (!Number.isSafeInteger(resolved.seed)) {
        throw new Error(`AWS profile option seed is ${resolved.seed}; it must be an integer`);
    }
    return { ...resolved, getRecordsLatencyMs: [range[0], range[1]] };
}
