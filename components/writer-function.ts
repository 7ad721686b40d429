import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { createWriterHandler } from "../handlers/writer";
import { writerEnvironment } from "../handlers/shared/environment";
import { writerPolicy } from "./iam-policies";
import { LeastPrivilegeFunction } from "./least-privilege-function";
import { SETTING_DEFINITIONS as DEFAULTS } from "../settings/definitions";

export interface WriterFunctionArgs {
    streamArn: pulumi.Input<string>;
    outputBucketName: pulumi.Input<string>;
    outputBucketArn: pulumi.Input<string>;
    deadLetterQueueUrl: pulumi.Input<string>;
    deadLetterQueueArn: pulumi.Input<string>;
    /** Output key template such as `product_{original_id}.json`, validated by settings/parse.ts. */
    outputKeyTemplate: string;
    /** Concurrent PutObject calls inside one invocation, 1 to 1,000. */
    writerConcurrency: number;
    /** Lambda runtime, for example `nodejs22.x`. */
    runtime: string;
    /**
     * Memory in MB, 128 to 10,240.
     * @default 256
     */
    memorySizeMb?: number;
    /**
     * Timeout in seconds, 1 to 900.
     * @default 60
     */
    timeoutSeconds?: number;
    /**
     * Log retention in days (one of CloudWatch's allowed values).
     * @default 14
     */
    logRetentionDays?: number;
    /**
     * Most records per invocation, 1 to 10,000 (Lambda also cuts a batch at 6 MB of payload).
     * @default 100
     */
    batchSize?: number;
    /**
     * Seconds the mapping may wait to fill a batch, 0 to 300.
     * @default 0
     */
    maximumBatchingWindowInSeconds?: number;
    /**
     * Concurrent batches per shard, 1 to 10 (order is kept per partition key).
     * @default 1
     */
    parallelizationFactor?: number;
    /**
     * `TRIM_HORIZON` (oldest record kept) or `LATEST` (new records only).
     * @default "TRIM_HORIZON"
     */
    startingPosition?: "TRIM_HORIZON" | "LATEST";
    /**
     * Split a failing batch in two and retry each half (a split is not a retry).
     * @default true
     */
    bisectBatchOnFunctionError?: boolean;
    /**
     * Retries of a failing batch before it goes to the dead-letter queue, -1 (until the records
     * expire) to 10,000.
     * @default 3
     */
    maximumRetryAttempts?: number;
    /**
     * Records older than this many seconds are dead-lettered instead of retried: -1 (no limit) or
     * 60 to 604,800.
     * @default -1
     */
    maximumRecordAgeInSeconds?: number;
}

/**
 * The writer: a CallbackFunction fed by an explicit event source mapping on the stream, with
 * partial batch responses (`ReportBatchItemFailures`) and the dead-letter queue as the mapping's
 * on-failure destination.
 */
export class WriterFunction extends pulumi.ComponentResource {
    readonly handler: LeastPrivilegeFunction<KinesisStreamEvent, KinesisStreamBatchResponse>;
    readonly eventSourceMapping: aws.lambda.EventSourceMapping;
    readonly functionName: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;

    constructor(name: string, args: WriterFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kinesis-fanout:compute:WriterFunction", name, {}, opts);

        this.handler = new LeastPrivilegeFunction<KinesisStreamEvent, KinesisStreamBatchResponse>(
            name,
            {
                callbackFactory: createWriterHandler,
                runtime: args.runtime,
                memorySizeMb: args.memorySizeMb ?? DEFAULTS.writerMemoryMb.default,
                timeoutSeconds: args.timeoutSeconds ?? DEFAULTS.writerTimeoutSeconds.default,
                logRetentionDays: args.logRetentionDays,
                environment: writerEnvironment<pulumi.Input<string>>({
                    outputBucket: args.outputBucketName,
                    deadLetterQueueUrl: args.deadLetterQueueUrl,
                    outputKeyTemplate: args.outputKeyTemplate,
                    writerConcurrency: args.writerConcurrency,
                }),
                policy: (logGroupArn) =>
                    pulumi
                        .all([args.streamArn, args.outputBucketArn, args.deadLetterQueueArn, logGroupArn])
                        .apply(([streamArn, outputBucketArn, deadLetterQueueArn, logGroup]) =>
                            writerPolicy({ streamArn, outputBucketArn, deadLetterQueueArn, logGroupArn: logGroup }),
                        ),
            },
            { parent: this },
        );

        this.eventSourceMapping = new aws.lambda.EventSourceMapping(
            `${name}-stream-mapping`,
            {
                eventSourceArn: args.streamArn,
                functionName: this.handler.function.arn,
                batchSize: args.batchSize ?? DEFAULTS.batchSize.default,
                maximumBatchingWindowInSeconds: args.maximumBatchingWindowInSeconds ?? DEFAULTS.maximumBatchingWindowInSeconds.default,
                parallelizationFactor: args.parallelizationFactor ?? DEFAULTS.parallelizationFactor.default,
                startingPosition: args.startingPosition ?? DEFAULTS.startingPosition.default,
                bisectBatchOnFunctionError: args.bisectBatchOnFunctionError ?? DEFAULTS.bisectBatchOnFunctionError.default,
                maximumRetryAttempts: args.maximumRetryAttempts ?? DEFAULTS.maximumRetryAttempts.default,
                maximumRecordAgeInSeconds: args.maximumRecordAgeInSeconds ?? DEFAULTS.maximumRecordAgeInSeconds.default,
                functionResponseTypes: ["ReportBatchItemFailures"],
                destinationConfig: { onFailure: { destinationArn: args.deadLetterQueueArn } },
            },
            // The first poll and the destination check use the role: its policy must exist first.
            { parent: this, dependsOn: [this.handler.rolePolicy] },
        );

        this.functionName = this.handler.functionName;
        this.arn = this.handler.arn;
        this.registerOutputs({ functionName: this.functionName, arn: this.arn });
    }
}
