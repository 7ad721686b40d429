/**
 * Estimates one stack's monthly AWS bill for a steady daily volume, item by item.
 *
 * - Kinesis, PROVISIONED: shards × 730 h × shard-hour price, plus PUT payload units (each record,
 *   envelope included, rounded up to 25 KB units) × price. ON_DEMAND: 730 stream-hours, plus GB
 *   written and GB read once by the writer (records rounded up to 1 KB).
 * - Lambda: writer requests = ceil(records/day ÷ mean batch) × 30, splitter requests = files/day
 *   × 30; GB-seconds = memory × predicted duration (the drain model's mean batch, and the
 *   splitter's put time per file).
 * - S3: one PUT per record; one GET per file (the splitter reads it).
 * - SQS: one SendMessage per dead-lettered record, a configurable fraction (default 0).
 */
import type { FanoutSettings } from "../settings/parse";
import { AWS_LIMITS } from "../settings/aws-limits";
import { kinesisRecordBytes, putPayloadUnits } from "../settings/record-sizes";
import { predictDrainTime, type DrainOptions } from "./drain-time";
import { SEED_LATENCIES, type Latencies } from "./latencies";
import type { PriceTable } from "./prices";

export const HOURS_PER_MONTH = 730;
export const DAYS_PER_MONTH = 30;
/** Lines per input file unless told otherwise: the seed's file of 10,000 lines. */
export const DEFAULT_RECORDS_PER_FILE = 10000;
const GB = 1024 * 1024 * 1024;

export interface MonthlyVolume {
    recordsPerDay: number;
    recordBytes: number;
}

export interface CostOptions {
    /** Lines per uploaded file (default 10,000); sets splitter invocations, S3 GETs and batch sizes. */
    recordsPerFile?: number;
    /** Fraction of records that end up on the dead-letter queue, 0 to 1 (default 0). */
    deadLetterFraction?: number;
    /** Passed to the drain model (for example `{ recordsPerPutCall: 1 }`). */
    drain?: DrainOptions;
}

export interface CostItem {
    item: string;
    quantity: number;
    unit: string;
    unitPriceUsd: number;
    monthlyUsd: number;
}

export interface CostEstimate {
    monthlyUsd: number;
    items: CostItem[];
    assumptions: string[];
}

export function estimateMonthlyCost(
    settings: FanoutSettings,
    volume: MonthlyVolume,
    prices: PriceTable,
    latencies: Latencies = SEED_LATENCIES,
    options: CostOptions = {},
): CostEstimate {
    const { recordsPerDay, recordBytes } = volume;
    const recordsPerFile = options.recordsPerFile ?? DEFAULT_RECORDS_PER_FILE;
    const deadLetterFraction = options.deadLetterFraction ?? 0;
    checkInputs(volume, recordsPerFile, deadLetterFraction);

    const recordsPerMonth = recordsPerDay * DAYS_PER_MONTH;
    const filesPerDay = Math.ceil(recordsPerDay / recordsPerFile);
    const drain = predictDrainTime(settings, { records: Math.min(recordsPerFile, Math.ceil(recordsPerDay)), recordBytes }, latencies, options.drain);
    const kinesisBytes = kinesisRecordBytes(recordBytes);
    const items: CostItem[] = [];
    const add = (item: string, quantity: number, unit: string, unitPriceUsd: number) =>
        items.push({ item, quantity, unit, unitPriceUsd, monthlyUsd: quantity * unitPriceUsd });

    if (settings.streamMode === "PROVISIONED") {
        add("Kinesis shard-hours", settings.shardCount * HOURS_PER_MONTH, "shard-hour", prices.kinesis.shardHour);
        add("Kinesis PUT payload units", recordsPerMonth * putPayloadUnits(kinesisBytes), "PUT payload unit", prices.kinesis.putPayloadUnitPerMillion / 1e6);
    } else {
        const roundedBytes = Math.ceil(kinesisBytes / AWS_LIMITS.kinesis.onDemandRoundingBytes) * AWS_LIMITS.kinesis.onDemandRoundingBytes;
        const gigabytes = (recordsPerMonth * roundedBytes) / GB;
        add("Kinesis on-demand stream-hours", HOURS_PER_MONTH, "stream-hour", prices.kinesis.onDemandStreamHour);
        add("Kinesis on-demand data in", gigabytes, "GB", prices.kinesis.onDemandPerGbIn);
        add("Kinesis on-demand data out (read once by the writer)", gigabytes, "GB", prices.kinesis.onDemandPerGbOut);
    }

    const writerRequests = Math.ceil(recordsPerDay / drain.meanBatchRecords) * DAYS_PER_MONTH;
    const splitterRequests = filesPerDay * DAYS_PER_MONTH;
    const splitterSecondsPerDay =
        recordsPerDay / drain.stages.splitRecordsPerSecond + (filesPerDay * latencies.invokeOverheadMs) / 1000;
    add("Lambda requests (writer)", writerRequests, "request", prices.lambda.requestPerMillion / 1e6);
    add("Lambda requests (splitter)", splitterRequests, "request", prices.lambda.requestPerMillion / 1e6);
    add("Lambda GB-seconds (writer)", writerRequests * (settings.writerMemoryMb / 1024) * drain.meanBatchSeconds, "GB-second", prices.lambda.gbSecond);
    add("Lambda GB-seconds (splitter)", splitterSecondsPerDay * DAYS_PER_MONTH * (settings.splitterMemoryMb / 1024), "GB-second", prices.lambda.gbSecond);

    add("S3 PUT requests (one per record)", recordsPerMonth, "request", prices.s3.putPer1000 / 1000);
    add("S3 GET requests (one per file)", splitterRequests, "request", prices.s3.getPer1000 / 1000);
    add("SQS requests (dead letters)", recordsPerMonth * deadLetterFraction, "request", prices.sqs.requestPerMillion / 1e6);

    const assumptions = [
        `${prices.region} prices in USD, retrieved ${prices.retrieved}; see the price file's sources for how sure each one is`,
        `a month is ${HOURS_PER_MONTH} hours for hourly items and ${DAYS_PER_MONTH} days of ${recordsPerDay} records for everything else`,
        `records arrive in files of ${recordsPerFile} lines (${filesPerDay} file(s) a day); each Kinesis record is the ${recordBytes}-byte line plus a ${kinesisBytes - recordBytes}-byte envelope header`,
        `writer batches hold ${round(drain.meanBatchRecords)} records on average and run ${round(drain.meanBatchSeconds)} s each, as the drain model predicts for one file`,
        `dead-lettered fraction ${deadLetterFraction}: one SQS SendMessage each; reading the queue is not counted`,
        "free tiers are not subtracted; x86 Lambda prices; S3 storage, data transfer, CloudWatch logs and alarms, KMS are not included",
    ];
    if (settings.streamMode === "ON_DEMAND") assumptions.push("on-demand: a GB is 2^30 bytes, and data out is the same rounded bytes, read once");
    if (settings.retentionPeriodHours > 24) {
        assumptions.push(`retentionPeriodHours ${settings.retentionPeriodHours} costs extra (extended retention), which is not included`);
    }
    return { monthlyUsd: items.reduce((sum, item) => sum + item.monthlyUsd, 0), items, assumptions };
}

function checkInputs(volume: MonthlyVolume, recordsPerFile: number, deadLetterFraction: number): void {
    if (!Number.isFinite(volume.recordsPerDay) || volume.recordsPerDay < 0) {
        throw new Error(`recordsPerDay must be a number of records, 0 or more (got ${volume.recordsPerDay})`);
    }
    if (!Number.isFinite(volume.recordBytes) || volume.recordBytes < 1 || volume.recordBytes > AWS_LIMITS.kinesis.recordMaxBytes) {
        throw new Error(`recordBytes must be between 1 and ${AWS_LIMITS.kinesis.recordMaxBytes}, Kinesis's record limit (got ${volume.recordBytes})`);
    }
    if (!Number.isInteger(recordsPerFile) || recordsPerFile < 1) throw new Error(`recordsPerFile must be a whole number of at least 1 (got ${recordsPerFile})`);
    if (!(deadLetterFraction >= 0 && deadLetterFraction <= 1)) throw new Error(`deadLetterFraction must be between 0 and 1 (got ${deadLetterFraction})`);
}

function round(value: number): number {
    return Math.round(value * 1000) / 1000;
}
