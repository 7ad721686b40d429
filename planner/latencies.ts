/**
 * Per-call latencies the planner assumes, calibrated from the seed article's measurements on AWS
 * (ap-northeast-1, 2018; see the field notes). The lead's `--aws-profile` flags override them.
 */

/** Per-call latencies, in milliseconds, as the functions see them. */
export interface Latencies {
    /** One PutRecord/PutRecords call, as seen from the splitter (seed: 10,000 calls in 103 s). */
    putRecordsCallMs: number;
    /** One S3 PutObject from the writer (seed: "1,000 records in about 50 s", one at a time). */
    s3PutObjectMs: number;
    /** One GetRecords call of the event source mapping (seed: 18 ms maximum). */
    getRecordsMs: number;
    /** Lambda's own cost of one warm invocation of the writer (not measured by the seed; an assumption). */
    invokeOverheadMs: number;
}

/** The seed's calibrated latencies. Copy and override fields to ask "what if". */
export const SEED_LATENCIES: Latencies = Object.freeze({
    putRecordsCallMs: 10,
    s3PutObjectMs: 50,
    getRecordsMs: 18,
    invokeOverheadMs: 20,
});
