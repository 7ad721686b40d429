import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createSplitterHandler, type SplitterEvent, type SplitterResult } from "../handlers/splitter";
import { splitterEnvironment } from "../handlers/shared/environment";
import { splitterPolicy } from "./iam-policies";
import { LeastPrivilegeFunction } from "./least-privilege-function";

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
        const { inputPrefix, inputSuffix } = args;

        this.handler = new LeastPrivilegeFunction<SplitterEvent, SplitterResult>(
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
                }),
                policy: (logGroupArn, functionArn) =>
                    pulumi
                        .all([args.inputBucketArn, args.streamArn, args.deadLetterQueueArn, logGroupArn, functionArn])
                        .apply(([inputBucketArn, streamArn, deadLetterQueueArn, logGroup, ownArn]) =>
                            splitterPolicy({ inputBucketArn, inputPrefix, streamArn, deadLetterQueueArn, logGroupArn: logGroup, functionArn: ownArn }),
                        ),
            },
            { parent: this },
        );
        const fn = this.handler.function;

        new aws.lambda.FunctionEventInvokeConfig(
            `${name}-async-failures`,
            {
                functionName: fn.name,
                maximumRetryAttempts: SPLITTER_ASYNC_RETRY_ATTEMPTS,
                destinationConfig: { onFailure: { destination: args.deadLetterQueueArn } },
            },
            // Lambda checks that the role may send to the destination.
            { parent: this, dependsOn: [this.handler.rolePolicy] },
        );

        const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
        const permission = new aws.lambda.Permission(
            `${name}-s3-invoke`,
            {
                action: "lambda:InvokeFunction",
                function: fn.name,
                principal: "s3.amazonaws.com",
                sourceArn: args.inputBucketArn,
                sourceAccount: accountId,
            },
            { parent: this },
        );
        new aws.s3.BucketNotification(
            `${name}-trigger`,
            {
                bucket: args.inputBucketName,
                lambdaFunctions: [
                    {
                        lambdaFunctionArn: fn.arn,
                        events: ["s3:ObjectCreated:*"],
                        filterPrefix: inputPrefix === "" ? undefined : inputPrefix,
                        filterSuffix: inputSuffix === "" ? undefined : inputSuffix,
                    },
                ],
            },
            // S3 checks its invoke permission when the notification is saved, and no upload may fire before the role works.
            { parent: this, dependsOn: [permission, this.handler.rolePolicy] },
        );

        this.functionName = this.handler.functionName;
        this.arn = this.handler.arn;
        this.registerOutputs({ functionName: this.functionName, arn: this.arn });
    }
}
