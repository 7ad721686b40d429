/**
 * AWS's limits, in one place, with where each comes from. The settings table, the planner, the
 * embedded runtime and the handlers all read them from here.
 *
 * Plain numbers only: no Pulumi import, no I/O, no Buffer (the handlers import this module, and
 * Pulumi's closure serializer copies it into the uploaded code).
 *
 * Sources: docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html (Kinesis),
 * docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html,
 * docs.aws.amazon.com/lambda/latest/dg/services-kinesis-parameters.html (event source mapping),
 * docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html (Lambda), the S3 and SQS
 * quotas pages, CloudWatch Logs PutRetentionPolicy, and the Kinesis pricing page (PUT payload units, on-demand rounding).
 */

const MiB = 1024 * 1024;

export const AWS_LIMITS = Object.freeze({
    kinesis: Object.freeze({
        /** One record: data plus partition key, at most 1 MiB. */
        recordMaxBytes: 1 * MiB,
        /** PutRecords: at most 500 records and 5 MiB (partition keys included) per request. */
        putRecordsMaxRecords: 500,
        putRecordsMaxBytes: 5 * MiB,
        /** Writes per shard: 1 MiB/s or 1,000 records/s, whichever comes first. */
        shardWriteBytesPerSecond: 1 * MiB,
        shardWriteRecordsPerSecond: 1000,
        /** Reads per shard (shared by standard consumers): 2 MiB/s and 5 GetRecords calls/s. */
        shardReadBytesPerSecond: 2 * MiB,
        shardGetRecordsCallsPerSecond: 5,
        /** One GetRecords call returns at most 10,000 records or 10 MiB. */
        getRecordsMaxRecords: 10000,
        getRecordsMaxBytes: 10 * MiB,
        /** Retention, in hours: 24 (the default) to 8,760 (365 days). */
        retentionHours: { min: 24, max: 8760 },
        /** Shards an ON_DEMAND stream starts with. */
        onDemandInitialShards: 4,
        /** Kinesis bills PUT payload units in 25 KB (25 × 1,024 bytes) chunks of a record. */
        putPayloadUnitBytes: 25 * 1024,
        /** On-demand data in and out is billed per record rounded up to 1 KB (1,024 bytes). */
        onDemandRoundingBytes: 1024,
    }),
    lambda: Object.freeze({
        memoryMb: { min: 128, max: 10240 },
        timeoutSeconds: { min: 1, max: 900 },
        /** Default concurrent executions per account and region. */
        concurrency: 1000,
        /**
         * One invocation's payload, which caps an event source mapping batch (the settings'
         * warnings, the planner and the mapping's batch cut). The quotas page says "6 MB"; what
         * Lambda enforces is 6 MiB: its own error reads "Request must be smaller than 6291456 bytes
         * for the InvokeFunction operation".
         */
        eventPayloadMaxBytes: 6 * MiB,
        /** The Invoke API's request body limit for RequestResponse: the same 6 MiB (the local Invoke API). */
        syncInvokeRequestMaxBytes: 6 * MiB,
        /** The Invoke API's request body limit for an asynchronous (Event) invocation: 1 MiB. */
        asyncInvokeRequestMaxBytes: 1 * MiB,
    }),
    /** The Kinesis event source mapping's ranges. */
    eventSourceMapping: Object.freeze({
        batchSize: { min: 1, max: 10000 },
        maximumBatchingWindowInSeconds: { min: 0, max: 300 },
        parallelizationFactor: { min: 1, max: 10 },
        /** -1 retries until the record expires. */
        maximumRetryAttempts: { min: -1, max: 10000 },
        /** -1 for no limit, or 60 s to 7 days. */
        maximumRecordAgeInSeconds: { min: 60, max: 604800, also: [-1] },
    }),
    s3: Object.freeze({
        /** An object key is at most 1,024 bytes of UTF-8. */
        keyMaxBytes: 1024,
        /** PUT/COPY/POST/DELETE requests per second per key prefix before S3 may answer 503 SlowDown. */
        putRequestsPerSecondPerPrefix: 3500,
    }),
    sqs: Object.freeze({
        /** How long SQS may keep a message: 60 s to 14 days. */
        messageRetentionSeconds: { min: 60, max: 14 * 24 * 60 * 60 },
    }),
    cloudWatch: Object.freeze({
        /** CloudWatch Logs accepts only these retention periods (PutRetentionPolicy). */
        logRetentionDays: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653],
    }),
} as const);
