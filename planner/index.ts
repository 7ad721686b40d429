/**
 * The planner: per stack, the time AWS takes to drain a file and the monthly bill for a volume.
 * Pure arithmetic over settings, latencies and a region's price file; no Pulumi, no network.
 */
export { SEED_LATENCIES, type Latencies } from "./latencies";
export { AWS_LIMITS } from "../settings/aws-limits";
export { kinesisRecordBytes, eventRecordBytes, recordsPerPayload, putPayloadUnits } from "../settings/record-sizes";
export { concurrencyWarnings } from "./concurrency-warning";
export { loadMeasuredCpu, NO_CPU, MEASURED_CPU_FILE, vcpuShare, type MeasuredCpu, type FunctionCpu } from "./function-cpu";
export { checkWriterCpu, calibratedWriterCpuMs, WRITER_BUSY_BOUND, WRITER_CPU_BAND, type WriterCpuCheck } from "./writer-cpu-check";
export { busiestLaneRecords } from "./busiest-lane";
export { predictDrainTime, type Workload, type DrainOptions, type DrainPrediction, type Bottleneck } from "./drain-time";
export { loadPrices, availableRegions, validatePriceTable, PriceFileError, PRICE_ITEMS, PRICES_DIRECTORY, type PriceTable } from "./prices";
export {
    estimateMonthlyCost,
    HOURS_PER_MONTH,
    DAYS_PER_MONTH,
    DEFAULT_RECORDS_PER_FILE,
    type MonthlyVolume,
    type CostOptions,
    type CostItem,
    type CostEstimate,
} from "./monthly-cost";
