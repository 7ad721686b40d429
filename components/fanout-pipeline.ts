import * as pulumi from "@pulumi/pulumi";
import type { FanoutSettings } from "../settings/parse";
import { pipelineNameFor } from "../handlers/shared/metric-names";
import { DeadLetterQueue } from "./dead-letter-queue";
import { FailureBucket } from "./failure-bucket";
import { FanoutStream } from "./fanout-stream";
import { PipelineMonitoring } from "./pipeline-monitoring";
import { SecureBucket } from "./secure-bucket";
import { SplitterFunction } from "./splitter-function";
import { WriterFunction } from "./writer-function";

export interface FanoutPipelineArgs {
    /**
     * The stack's validated settings (settings/parse.ts `parseSettings`); every limit and default
     * is documented in settings/definitions.ts. The component reads no config itself.
     */
    settings: FanoutSettings;
    /**
     * Let `pulumi destroy` delete both buckets while they still hold objects.
     * @default false
     */
    forceDestroyBuckets?: boolean;
    /**
     * ARNs notified when an alarm fires.
     * @default []
     */
    alarmActions?: pulumi.Input<string>[];
}

/**
 * S3 (input) -> splitter -> Kinesis -> writer -> S3 (output), with a dead-letter queue and
 * monitoring. The two buckets are separate, so a write can never re-trigger the splitter.
 */
export class FanoutPipeline extends pulumi.ComponentResource {
    readonly inputBucketName: pulumi.Output<string>;
    readonly outputBucketName: pulumi.Output<string>;
    readonly streamName: pulumi.Output<string>;
    readonly streamArn: pulumi.Output<string>;
    readonly deadLetterQueueUrl: pulumi.Output<string>;
    /** The failure bucket's name, or "" when the on-failure destination is the queue. */
    readonly failureBucketName: pulumi.Output<string>;
    readonly splitterFunctionName: pulumi.Output<string>;
    readonly writerFunctionName: pulumi.Output<string>;
    readonly dashboardUrl: pulumi.Output<string>;

    constructor(name: string, args: FanoutPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kinesis-fanout:index:FanoutPipeline", name, {}, opts);
        const { settings } = args;
        const parent = { parent: this };
        // One name per stack's pipeline: the dashboard's, and the Pipeline dimension of the handlers' metrics.
        const pipelineName = pipelineNameFor(name, pulumi.getStack());

        const inputBucket = new SecureBucket(`${name}-input`, { forceDestroy: args.forceDestroyBuckets }, parent);
        const outputBucket = new SecureBucket(`${name}-output`, { forceDestroy: args.forceDestroyBuckets }, parent);
        const stream = createStream(name, settings, parent);
        const deadLetters = new DeadLetterQueue(`${name}-dead-letters`, {}, parent);
        const splitter = createSplitter(name, settings, { inputBucket, outputBucket, stream, deadLetters, pipelineName }, parent);
        const failureBucket =
            settings.onFailureDestination === "s3"
                ? new FailureBucket(`${name}-failures`, { retentionDays: settings.failureRetentionDays, forceDestroy: args.forceDestroyBuckets }, parent)
                : undefined;
        const writer = createWriter(name, settings, { outputBucket, stream, deadLetters, failureBucket, pipelineName }, parent);
        const monitoring = createMonitoring(name, settings, { stream, splitter, writer, deadLetters, pipelineName, alarmActions: args.alarmActions }, parent);

        this.inputBucketName = inputBucket.bucketName;
        this.outputBucketName = outputBucket.bucketName;
        this.streamName = stream.streamName;
        this.streamArn = stream.arn;
        this.deadLetterQueueUrl = deadLetters.url;
        this.failureBucketName = failureBucket ? failureBucket.bucketName : pulumi.output("");
        this.splitterFunctionName = splitter.functionName;
        this.writerFunctionName = writer.functionName;
        this.dashboardUrl = monitoring.dashboardUrl;
        this.registerOutputs(pipelineOutputs(this));
    }
}

function createStream(name: string, settings: FanoutSettings, opts: pulumi.ComponentResourceOptions): FanoutStream {
    const { streamMode, shardCount, retentionPeriodHours } = settings;
    return new FanoutStream(`${name}-stream`, { streamMode, shardCount, retentionPeriodHours }, opts);
}

function createSplitter(
    name: string,
    settings: FanoutSettings,
    parts: { inputBucket: SecureBucket; outputBucket: SecureBucket; stream: FanoutStream; deadLetters: DeadLetterQueue; pipelineName: string },
    opts: pulumi.ComponentResourceOptions,
): SplitterFunction {
    const { inputBucket, outputBucket, stream, deadLetters, pipelineName } = parts;
    return new SplitterFunction(
        `${name}-splitter`,
        {
            inputBucketName: inputBucket.bucketName,
            inputBucketArn: inputBucket.arn,
            inputPrefix: settings.inputPrefix,
            inputSuffix: settings.inputSuffix,
            streamName: stream.streamName,
            streamArn: stream.arn,
            deadLetterQueueUrl: deadLetters.url,
            deadLetterQueueArn: deadLetters.arn,
            partitionKey: settings.partitionKey,
            handOffClaimBucketName: outputBucket.bucketName,
            handOffClaimBucketArn: outputBucket.arn,
            maxChainInvocations: settings.splitterMaxChainInvocations,
            runtime: settings.lambdaRuntime,
            memorySizeMb: settings.splitterMemoryMb,
            timeoutSeconds: settings.splitterTimeoutSeconds,
            logRetentionDays: settings.logRetentionDays,
            pipelineName,
        },
        opts,
    );
}

function createWriter(
    name: string,
    settings: FanoutSettings,
    parts: { outputBucket: SecureBucket; stream: FanoutStream; deadLetters: DeadLetterQueue; failureBucket?: FailureBucket; pipelineName: string },
    opts: pulumi.ComponentResourceOptions,
): WriterFunction {
    const { outputBucket, stream, deadLetters, failureBucket, pipelineName } = parts;
    return new WriterFunction(
        `${name}-writer`,
        {
            streamArn: stream.arn,
            outputBucketName: outputBucket.bucketName,
            outputBucketArn: outputBucket.arn,
            deadLetterQueueUrl: deadLetters.url,
            deadLetterQueueArn: deadLetters.arn,
            // The args named as their setting (the mapping's, outputKeyTemplate, writerConcurrency, logRetentionDays) take it as
            // it is, so a new mapping setting needs only the table and WriterFunction.
            ...settings,
            failureBucketArn: failureBucket?.arn,
            runtime: settings.lambdaRuntime,
            memorySizeMb: settings.writerMemoryMb,
            timeoutSeconds: settings.writerTimeoutSeconds,
            reservedConcurrentExecutions: settings.writerReservedConcurrency,
            pipelineName,
        },
        opts,
    );
}

function createMonitoring(
    name: string,
    settings: FanoutSettings,
    parts: { stream: FanoutStream; splitter: SplitterFunction; writer: WriterFunction; deadLetters: DeadLetterQueue; pipelineName: string; alarmActions?: pulumi.Input<string>[] },
    opts: pulumi.ComponentResourceOptions,
): PipelineMonitoring {
    return new PipelineMonitoring(
        `${name}-monitoring`,
        {
            streamName: parts.stream.streamName,
            splitterFunctionName: parts.splitter.functionName,
            writerFunctionName: parts.writer.functionName,
            deadLetterQueueName: parts.deadLetters.queueName,
            eventSourceMappingUuid: parts.writer.eventSourceMapping.uuid,
            pipelineName: parts.pipelineName,
            iteratorAgeAlarmSeconds: settings.iteratorAgeAlarmSeconds,
            dashboardName: parts.pipelineName,
            alarmActions: parts.alarmActions,
        },
        opts,
    );
}

/** The stack outputs of a pipeline, by name. */
export type PipelineOutputs = ReturnType<typeof pipelineOutputs>;

export function pipelineOutputs(pipeline: FanoutPipeline) {
    return {
        inputBucketName: pipeline.inputBucketName,
        outputBucketName: pipeline.outputBucketName,
        streamName: pipeline.streamName,
        streamArn: pipeline.streamArn,
        deadLetterQueueUrl: pipeline.deadLetterQueueUrl,
        failureBucketName: pipeline.failureBucketName,
        splitterFunctionName: pipeline.splitterFunctionName,
        writerFunctionName: pipeline.writerFunctionName,
        dashboardUrl: pipeline.dashboardUrl,
    };
}
