import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createSplitterHandler, type SplitterEvent, type SplitterResult } from "../handlers/splitter";
import { splitterEnvironment } from "../handlers/shared/environment";
import { SPLITTER_RECURSIVE_LOOP } from "../handlers/splitter/continuation";
import { HAND_OFF_CLAIM_PREFIX } from "../handlers/splitter/hand-off-claim";
import { splitterPolicy } from "./iam-policies";
import { LeastPrivilegeFunction } from "./least-privilege-function";
import { notificationFilterValue } from "../handlers/shared/s3-key-encoding";

/**
 * Days a hand-off claim marker is kept. It must outlive every delivery of the event it guards:
 * Lambda keeps an asynchronous event for at most 6 hours (maximum event age), and the splitter's
 * two retries come within minutes.
 */
export const HAND_OFF_CLAIM_RETENTION_DAYS = 2;

/** How often Lambda retries a failed asynchronous (S3-triggered) invocation before dead-lettering it: 0 to 2. */
export const SPLITTER_ASYNC_RETRY_ATTEMPTS = 2;

export interface SplitterFunctionArgs {
    /** Name (id) of the bucket whose uploads trigger the splitter. */
    inputBucketName: pulumi.Input<string>;
    inputBucketArn: pulumi.Input<string>;
    /**
     * Only keys starting with this trigger the splitter, and only they are readable (S3 keys are
     * at most 1,024 bytes); "" for every key. The stack's `kinesis-fanout:inputPrefix`.
     */
    inputPrefix: string;
    /** Only keys ending with this trigger the splitter; "" for every key. The stack's `kinesis-fanout:inputSuffix`. */
    inputSuffix: string;
    streamName: pulumi.Input<string>;
    streamArn: pulumi.Input<string>;
    deadLetterQueueUrl: pulumi.Input<string>;
    deadLetterQueueArn: pulumi.Input<string>;
    /** Name and ARN of the bucket that holds the hand-off claim markers (the output bucket, which triggers nothing). */
    handOffClaimBucketName: pulumi.Input<string>;
    handOffClaimBucketArn: pulumi.Input<string>;
    /**
     * Hard cap on one file's chain of invocations (1 to 100,000); past it the checkpoint is
     * dead-lettered instead of invoking again. The stack's `kinesis-fanout:splitterMaxChainInvocations`.
     */
    maxChainInvocations: number;
    /** Partition key strategy (`field:<name>`, `line-hash` or `constant:<value>`), validated by settings/parse.ts. */
    partitionKey: string;
    /** Lambda runtime, for example `nodejs22.x`. */
    runtime: string;
    /** Memory in MB, within Lambda's range (`AWS_LIMITS.lambda.memoryMb`). The stack's `kinesis-fanout:splitterMemoryMb`. */
    memorySizeMb: number;
    /**
     * Timeout in seconds, within Lambda's range (`AWS_LIMITS.lambda.timeoutSeconds`). A file that
     * takes longer is continued by new invocations (an asynchronous self-invoke with a checkpoint),
     * so this bounds one invocation, not a file. The stack's `kinesis-fanout:splitterTimeoutSeconds`.
     */
    timeoutSeconds: number;
    /** Log retention in days, one of CloudWatch's allowed values. The stack's `kinesis-fanout:logRetentionDays`. */
    logRetentionDays: number;
    /**
     * The `Pipeline` dimension of the function's metrics (EMF in its log: no IAM permission needed),
     * set as its PIPELINE_NAME; the monitoring component selects the same value.
     */
    pipelineName: string;
}

/**
 * The splitter: an S3-triggered CallbackFunction that streams each uploaded object and puts its
 * lines on the stream. A file longer than one invocation is continued by an asynchronous
 * self-invoke carrying a checkpoint (its role may invoke this function and nothing else); the
 * FunctionEventInvokeConfig below (two retries, then the dead-letter queue) covers those
 * continuations exactly as it covers the S3 events. Triggered by an explicit BucketNotification (not `bucket.onObjectCreated`,
 * which registers the notification at process exit), allowed by a Permission scoped to the bucket
 * and the account; failed asynchronous invocations go to the dead-letter queue.
 */
export class SplitterFunction extends pulumi.ComponentResource {
    readonly handler: LeastPrivilegeFunction<SplitterEvent, SplitterResult>;
    readonly functionName: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;

    constructor(name: string, args: SplitterFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kinesis-fanout:compute:SplitterFunction", name, {}, opts);
        const parent = { parent: this };
        this.handler = createHandler(name, args, parent);
        const fn = this.handler.function;
        allowRecursion(name, fn, parent);
        const invokeConfig = createAsyncFailureConfig(name, fn, args, { parent: this, dependsOn: [this.handler.rolePolicy] });
        expireHandOffClaims(name, args, parent);
        createTrigger(name, fn, args, this.handler.rolePolicy, invokeConfig, parent);

        this.functionName = this.handler.functionName;
        this.arn = this.handler.arn;
        this.registerOutputs({ functionName: this.functionName, arn: this.arn });
    }
}

function createHandler(name: string, args: SplitterFunctionArgs, opts: pulumi.ComponentResourceOptions): LeastPrivilegeFunction<SplitterEvent, SplitterResult> {
    const { inputPrefix } = args;
    return new LeastPrivilegeFunction<SplitterEvent, SplitterResult>(
        name,
        {
            callbackFactory: createSplitterHandler,
            runtime: args.runtime,
            memorySizeMb: args.memorySizeMb,
            timeoutSeconds: args.timeoutSeconds,
            logRetentionDays: args.logRetentionDays,
            environment: splitterEnvironment<pulumi.Input<string>>({
                streamName: args.streamName,
                deadLetterQueueUrl: args.deadLetterQueueUrl,
                partitionKey: args.partitionKey,
                maxChainInvocations: args.maxChainInvocations,
                handOffClaimBucket: args.handOffClaimBucketName,
                pipelineName: args.pipelineName,
            }),
            policy: (logGroupArn, functionArn) =>
                pulumi
                    .all([args.inputBucketArn, args.streamArn, args.deadLetterQueueArn, logGroupArn, functionArn, args.handOffClaimBucketArn])
                    .apply(([inputBucketArn, streamArn, deadLetterQueueArn, logGroup, ownArn, claimBucketArn]) =>
                        splitterPolicy({ inputBucketArn, inputPrefix, streamArn, deadLetterQueueArn, logGroupArn: logGroup, functionArn: ownArn, handOffClaimBucketArn: claimBucketArn }),
                    ),
        },
        opts,
    );
}

/**
 * Each continuation is a self-invoke in one request chain; under Lambda's default (Terminate)
 * the 17th or so would be stopped and its checkpoint dead-lettered. The chain is capped by
 * maxChainInvocations instead (handlers/splitter/chain-cap.ts).
 */
function allowRecursion(name: string, fn: aws.lambda.Function, opts: pulumi.ComponentResourceOptions): aws.lambda.FunctionRecursionConfig {
    return new aws.lambda.FunctionRecursionConfig(`${name}-recursion`, { functionName: fn.name, recursiveLoop: SPLITTER_RECURSIVE_LOOP }, opts);
}

/** Two retries, then the dead-letter queue; Lambda checks that the role may send there, so it depends on the role's policy. */
function createAsyncFailureConfig(name: string, fn: aws.lambda.Function, args: SplitterFunctionArgs, opts: pulumi.CustomResourceOptions): aws.lambda.FunctionEventInvokeConfig {
    return new aws.lambda.FunctionEventInvokeConfig(
        `${name}-async-failures`,
        {
            functionName: fn.name,
            maximumRetryAttempts: SPLITTER_ASYNC_RETRY_ATTEMPTS,
            destinationConfig: { onFailure: { destination: args.deadLetterQueueArn } },
        },
        opts,
    );
}

/** The claim markers (about 100 bytes each, one per invocation) expire on their own. */
function expireHandOffClaims(name: string, args: SplitterFunctionArgs, opts: pulumi.ComponentResourceOptions): aws.s3.BucketLifecycleConfiguration {
    return new aws.s3.BucketLifecycleConfiguration(
        `${name}-expire-hand-off-claims`,
        {
            bucket: args.handOffClaimBucketName,
            rules: [
                {
                    id: "expire-hand-off-claims",
                    status: "Enabled",
                    filter: { prefix: HAND_OFF_CLAIM_PREFIX },
                    expiration: { days: HAND_OFF_CLAIM_RETENTION_DAYS },
                },
            ],
        },
        opts,
    );
}

/** The input bucket's notification, and the permission S3 needs to invoke the function. */
function createTrigger(
    name: string,
    fn: aws.lambda.Function,
    args: SplitterFunctionArgs,
    rolePolicy: pulumi.Resource,
    invokeConfig: aws.lambda.FunctionEventInvokeConfig,
    opts: { parent: pulumi.Resource },
): aws.s3.BucketNotification {
    const accountId = aws.getCallerIdentityOutput({}, opts).accountId;
    const permission = new aws.lambda.Permission(
        `${name}-s3-invoke`,
        {
            action: "lambda:InvokeFunction",
            function: fn.name,
            principal: "s3.amazonaws.com",
            sourceArn: args.inputBucketArn,
            sourceAccount: accountId,
        },
        opts,
    );
    return new aws.s3.BucketNotification(
        `${name}-trigger`,
        {
            bucket: args.inputBucketName,
            lambdaFunctions: [
                {
                    lambdaFunctionArn: fn.arn,
                    events: ["s3:ObjectCreated:*"],
                    // URL-encoded, `+` for a space: S3 matches the filter against the encoded key.
                    filterPrefix: notificationFilterValue(args.inputPrefix),
                    filterSuffix: notificationFilterValue(args.inputSuffix),
                },
            ],
        },
        // S3 checks its invoke permission when the notification is saved, no upload may fire
        // before the role works, and an upload during the deploy already has its failure destination.
        { ...opts, dependsOn: [permission, rolePolicy, invokeConfig] },
    );
}
