/**
 * Every stack config key of the `kinesis-fanout` namespace: its type, default, the values AWS
 * allows and what it changes. This table is the single source of truth: `parseSettings` applies
 * it, `FanoutSettings` is derived from it, and `Pulumi.yaml`'s config block (what the Pulumi CLI
 * validates stack values against) and the README's config table are written from it by
 * `npx ts-node scripts/update-config-docs.ts` (tests fail when either is stale).
 *
 * No Pulumi import here: the embedded runtime reads stack files with the same rules.
 * AWS's own ranges come from settings/aws-limits.ts; the ranges written here are this project's.
 */
import { AWS_LIMITS } from "./aws-limits";

const { kinesis, lambda, eventSourceMapping, cloudWatch } = AWS_LIMITS;

export const CONFIG_NAMESPACE = "kinesis-fanout";

/** Lambda runtimes the handlers are written for (Node.js 20 and newer, AWS SDK v3 built in). */
export const LAMBDA_RUNTIMES = ["nodejs20.x", "nodejs22.x", "nodejs24.x"] as const;

interface Common {
    description: string;
}
export interface IntegerDefinition extends Common {
    type: "integer";
    default: number;
    min: number;
    max?: number;
    /** Values allowed besides the range (for example -1 meaning "forever"). */
    also?: readonly number[];
    /** When set, only these values are allowed. */
    oneOf?: readonly number[];
}
export interface StringDefinition extends Common {
    type: "string";
    default: string;
    oneOf?: readonly string[];
}
export interface BooleanDefinition extends Common {
    type: "boolean";
    default: boolean;
}
export type SettingDefinition = IntegerDefinition | StringDefinition | BooleanDefinition;

export const SETTING_DEFINITIONS = {
    streamMode: {
        type: "string",
        default: "PROVISIONED",
        oneOf: ["PROVISIONED", "ON_DEMAND"],
        description:
            "Kinesis capacity mode. PROVISIONED uses shardCount; ON_DEMAND lets Kinesis scale (it starts with 4 shards).",
    },
    shardCount: {
        type: "integer",
        default: 1,
        min: 1,
        max: 10000,
        description:
            "Shards of a PROVISIONED stream. Each shard takes 1 MiB/s or 1,000 records/s of writes and serves 2 MiB/s of reads. Ignored for ON_DEMAND.",
    },
    retentionPeriodHours: {
        type: "integer",
        default: 24,
        ...kinesis.retentionHours,
        description: "How long the stream keeps records, in hours.",
    },
    batchSize: {
        type: "integer",
        default: 100,
        ...eventSourceMapping.batchSize,
        description: "Most records per writer invocation (event source mapping BatchSize). Lambda also caps a batch at 6 MB of payload.",
    },
    maximumBatchingWindowInSeconds: {
        type: "integer",
        default: 0,
        ...eventSourceMapping.maximumBatchingWindowInSeconds,
        description: "How long the event source mapping may wait to fill a batch, in seconds.",
    },
    parallelizationFactor: {
        type: "integer",
        default: 1,
        ...eventSourceMapping.parallelizationFactor,
        description: "Concurrent writer batches per shard. Order is kept per partition key, so it needs many distinct keys.",
    },
    startingPosition: {
        type: "string",
        default: "TRIM_HORIZON",
        oneOf: ["TRIM_HORIZON", "LATEST"],
        description: "Where a new event source mapping starts reading: the oldest record kept, or only new ones.",
    },
    bisectBatchOnFunctionError: {
        type: "boolean",
        default: true,
        description: "Split a failing batch in two and retry each half; a split does not count as a retry.",
    },
    maximumRetryAttempts: {
        type: "integer",
        default: 3,
        ...eventSourceMapping.maximumRetryAttempts,
        description: "Retries of a failing batch before it goes to the dead-letter queue (-1 retries until the record expires and blocks its shard).",
    },
    maximumRecordAgeInSeconds: {
        type: "integer",
        default: -1,
        ...eventSourceMapping.maximumRecordAgeInSeconds,
        description: "Records older than this many seconds are not retried but dead-lettered (-1 for no limit).",
    },
    onFailureDestination: {
        type: "string",
        default: "s3",
        oneOf: ["s3", "sqs"],
        description:
            "Where the writer's event source mapping sends a batch it gives up on. `s3`: a failure bucket that keeps the whole batch (the records themselves); `sqs`: the dead-letter queue, which gets only the shard and sequence numbers, useless once the records leave the stream.",
    },
    failureRetentionDays: {
        type: "integer",
        default: 30,
        min: 1,
        max: 3650,
        description:
            "Days the failure bucket keeps a failed batch before its lifecycle rule expires it (used when onFailureDestination is `s3`). The default outlasts the stream's longest default retention and the dead-letter queue's 14 days.",
    },
    writerConcurrency: {
        type: "integer",
        default: 16,
        min: 1,
        max: 1000,
        description: "Concurrent S3 PutObject calls inside one writer invocation.",
    },
    partitionKey: {
        type: "string",
        default: "field:original_id",
        description:
            "How each record picks its shard: `field:<name>` (a top-level JSON field), `line-hash` (MD5 of source key and line number), or `constant:<value>` (the seed's setup: one hot shard, no parallelism).",
    },
    outputKeyTemplate: {
        type: "string",
        default: "product_{original_id}.json",
        description:
            "Output object key. `{field}` is replaced by that top-level JSON field of the line, which must be a safe id (letters with their combining marks, digits, `.`, `_`, `-`, space).",
    },
    inputPrefix: {
        type: "string",
        default: "",
        description: "Only objects whose key starts with this prefix trigger the splitter (empty for all).",
    },
    inputSuffix: {
        type: "string",
        default: "",
        description: "Only objects whose key ends with this suffix trigger the splitter (empty for all).",
    },
    lambdaRuntime: {
        type: "string",
        default: "nodejs22.x",
        oneOf: LAMBDA_RUNTIMES,
        description: "Lambda runtime of both functions.",
    },
    splitterMemoryMb: {
        type: "integer",
        default: 512,
        ...lambda.memoryMb,
        description: "Splitter memory in MB; CPU grows with it.",
    },
    writerMemoryMb: {
        type: "integer",
        default: 256,
        ...lambda.memoryMb,
        description: "Writer memory in MB.",
    },
    splitterTimeoutSeconds: {
        type: "integer",
        default: lambda.timeoutSeconds.max,
        ...lambda.timeoutSeconds,
        description: "Splitter timeout in seconds; the default is Lambda's 15-minute maximum.",
    },
    splitterMaxChainInvocations: {
        type: "integer",
        default: 1000,
        min: 1,
        max: 100000,
        description:
            "Hard cap on the invocations of one file's splitter chain: past it the checkpoint is dead-lettered (reason chain-too-long) instead of invoking again, so a bug can never loop forever. At the 900 s timeout, 1,000 invocations are 250 hours of splitting.",
    },
    writerTimeoutSeconds: {
        type: "integer",
        default: 60,
        ...lambda.timeoutSeconds,
        description: "Writer timeout in seconds.",
    },
    writerReservedConcurrency: {
        type: "integer",
        default: -1,
        min: 1,
        max: lambda.concurrency - 100,
        also: [-1],
        description:
            "Reserved concurrency of the writer (reservedConcurrentExecutions): it runs at most this many at once, and they are kept out of the account's shared pool; -1 reserves none. At most 900: the default account's 1,000 less the 100 AWS keeps unreserved. Below shards × parallelizationFactor, batches are throttled and the mapping retries them.",
    },
    iteratorAgeAlarmSeconds: {
        type: "integer",
        default: 60,
        min: 1,
        max: 604800,
        description: "Alarm when the stream's GetRecords.IteratorAgeMilliseconds exceeds this many seconds.",
    },
    logRetentionDays: {
        type: "integer",
        default: 14,
        min: cloudWatch.logRetentionDays[0],
        max: cloudWatch.logRetentionDays[cloudWatch.logRetentionDays.length - 1],
        oneOf: cloudWatch.logRetentionDays,
        description: "Retention of both functions' log groups, in days (one of CloudWatch's allowed values).",
    },
} as const satisfies Record<string, SettingDefinition>;

export type SettingKey = keyof typeof SETTING_DEFINITIONS;
export const SETTING_KEYS = Object.keys(SETTING_DEFINITIONS) as SettingKey[];
