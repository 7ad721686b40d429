import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { createWriterHandler } from "../handlers/writer";
import { writerEnvironment } from "../handlers/shared/environment";
import { writerPolicy } from "./iam-policies";
import { LeastPrivilegeFunction } from "./least-privilege-function";

export interface WriterFunctionArgs {
    streamArn: pulumi.Input<string>;
    outputBucketName: pulumi.Input<string>;
    outputBucketArn: pulumi.Input<string>;
    deadLetterQueueUrl: pulumi.Input<string>;
    deadLetterQueueArn: pulumi.Input<string>;
    /**
     * The failure bucket's ARN when the mapping's on-failure destination is S3 (the stack's
     * `kinesis-fanout:onFailureDestination` `s3`); without it the destination is the dead-letter queue.
     * @default undefined
     */
    failureBucketArn?: pulumi.Input<string>;
    /** Output key template such as `product_{original_id}.json`, validated by settings/parse.ts. */
    outputKeyTemplate: string;
    /** Concurrent PutObject calls inside one invocation. The stack's `kinesis-fanout:writerConcurrency`. */
    writerConcurrency: number;
    /** Lambda runtime, for example `nodejs22.x`. */
    runtime: string;
    /** Memory in MB, within Lambda's range (`AWS_LIMITS.lambda.memoryMb`). The stack's `kinesis-fanout:writerMemoryMb`. */
    memorySizeMb: number;
    /** Timeout in seconds, within Lambda's range (`AWS_LIMITS.lambda.timeoutSeconds`). The stack's `kinesis-fanout:writerTimeoutSeconds`. */
    timeoutSeconds: number;
    /**
     * Reserved concurrency, 1 to the account's concurrency less 100, or -1 for none (the default).
     * Below shards × parallelizationFactor, Lambda throttles the mapping's batches and the mapping
     * retries them until they run or their records pass their maximum age. The stack's
     * `kinesis-fanout:writerReservedConcurrency`.
     */
    reservedConcurrentExecutions?: number;
    /** Log retention in days, one of CloudWatch's allowed values. The stack's `kinesis-fanout:logRetentionDays`. */
    logRetentionDays: number;
    /**
     * Most records per invocation, within `AWS_LIMITS.eventSourceMapping.batchSize` (Lambda also
     * cuts a batch at its payload limit). The stack's `kinesis-fanout:batchSize`.
     */
    batchSize: number;
    /** Seconds the mapping may wait to fill a batch. The stack's `kinesis-fanout:maximumBatchingWindowInSeconds`. */
    maximumBatchingWindowInSeconds: number;
    /** Concurrent batches per shard (order is kept per partition key). The stack's `kinesis-fanout:parallelizationFactor`. */
    parallelizationFactor: number;
    /** `TRIM_HORIZON` (oldest record kept) or `LATEST` (new records only). The stack's `kinesis-fanout:startingPosition`. */
    startingPosition: "TRIM_HORIZON" | "LATEST";
    /** Split a failing batch in two and retry each half (a split is not a retry). The stack's `kinesis-fanout:bisectBatchOnFunctionError`. */
    bisectBatchOnFunctionError: boolean;
    /**
     * Retries of a failing batch before it goes to the dead-letter queue; -1 retries until the
     * records expire. The stack's `kinesis-fanout:maximumRetryAttempts`.
     */
    maximumRetryAttempts: number;
    /**
     * Records older than this many seconds are dead-lettered instead of retried; -1 for no limit.
     * The stack's `kinesis-fanout:maximumRecordAgeInSeconds`.
     */
    maximumRecordAgeInSeconds: number;
    /**
     * The `Pipeline` dimension of the function's metrics (EMF in its log: no IAM permission needed),
     * set as its PIPELINE_NAME; the monitoring component selects the same value.
     */
    pipelineName: string;
}

/**
 * The writer: a CallbackFunction fed by an explicit event source mapping on the stream, with
 * partial batch responses (`ReportBatchItemFailures`), the failure bucket (whole batches) or the
 * dead-letter queue (shard and sequence numbers only) as the mapping's on-failure destination, and
 * the mapping's `EventCount` metrics turned on.
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
                memorySizeMb: args.memorySizeMb,
                timeoutSeconds: args.timeoutSeconds,
                reservedConcurrentExecutions: args.reservedConcurrentExecutions,
                logRetentionDays: args.logRetentionDays,
                environment: writerEnvironment<pulumi.Input<string>>({
                    outputBucket: args.outputBucketName,
                    deadLetterQueueUrl: args.deadLetterQueueUrl,
                    outputKeyTemplate: args.outputKeyTemplate,
                    writerConcurrency: args.writerConcurrency,
                    pipelineName: args.pipelineName,
                }),
                policy: (logGroupArn) =>
                    pulumi
                        .all([args.streamArn, args.outputBucketArn, args.deadLetterQueueArn, logGroupArn, args.failureBucketArn])
                        .apply(([streamArn, outputBucketArn, deadLetterQueueArn, logGroup, failureBucketArn]) =>
                            writerPolicy({ streamArn, outputBucketArn, deadLetterQueueArn, logGroupArn: logGroup, failureBucketArn }),
                        ),
            },
            { parent: this },
        );

        this.eventSourceMapping = new aws.lambda.EventSourceMapping(
            `${name}-stream-mapping`,
            {
                eventSourceArn: args.streamArn,
                functionName: this.handler.function.arn,
                batchSize: args.batchSize,
                maximumBatchingWindowInSeconds: args.maximumBatchingWindowInSeconds,
                parallelizationFactor: args.parallelizationFactor,
                startingPosition: args.startingPosition,
                bisectBatchOnFunctionError: args.bisectBatchOnFunctionError,
                maximumRetryAttempts: args.maximumRetryAttempts,
                maximumRecordAgeInSeconds: args.maximumRecordAgeInSeconds,
                functionResponseTypes: ["ReportBatchItemFailures"],
                destinationConfig: { onFailure: { destinationArn: args.failureBucketArn ?? args.deadLetterQueueArn } },
                // The mapping's own EventCount metrics (polled, invoked, dropped, on-failure-sent, ...) in
                // AWS/Lambda by EventSourceMappingUUID: the failed-batches alarm and the dashboard read them.
                metricsConfig: { metrics: ["EventCount"] },
            },
            // The first poll and the destination check use the role: its policy must exist first.
            { parent: this, dependsOn: [this.handler.rolePolicy] },
        );

        this.functionName = this.handler.functionName;
        this.arn = this.handler.arn;
        this.registerOutputs({ functionName: this.functionName, arn: this.arn });
    }
}
