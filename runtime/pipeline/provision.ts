import { CreateStreamCommand, DescribeStreamSummaryCommand, ResourceInUseException, type KinesisClient } from "@aws-sdk/client-kinesis";
import { CreateBucketCommand, HeadBucketCommand, type BucketLocationConstraint, type S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { effectiveShardCount, type FanoutSettings } from "../../settings/parse";
import { AWS_LIMITS } from "../../settings/aws-limits";
import { pipelineNameFor } from "../../handlers/shared/metric-names";
import type { AwsClients } from "./aws-clients";

/**
 * The resources of one stack, created the way the Pulumi program declares them: two buckets (three
 * with the failure bucket), a
 * stream with the stack's shard count (4 for ON_DEMAND, as Kinesis starts one), and the
 * dead-letter queue with 14 days of retention. Creating is idempotent, so a run can continue on
 * the state a previous run left.
 */
export interface ResourceNames {
    inputBucket: string;
    outputBucket: string;
    streamName: string;
    deadLetterQueue: string;
    /** The writer mapping's on-failure bucket (created only when onFailureDestination is s3). */
    failureBucket: string;
    splitterFunction: string;
    writerFunction: string;
    /** The stack's pipeline as the handlers' metrics name it (their `Pipeline` dimension; the Pulumi program's dashboard name). */
    pipelineName: string;
}

export interface ProvisionedResources extends ResourceNames {
    streamArn: string;
    shardCount: number;
    deadLetterQueueUrl: string;
    deadLetterQueueArn: string;
    /** Set when the mapping's on-failure destination is S3 (onFailureDestination `s3`). */
    failureBucketInUse?: string;
}

/**
 * Names of a stack's resources. Bucket names are global on AWS, so a run against AWS itself
 * takes a prefix of the user's own (`--resource-prefix`).
 */
export function resourceNames(stack: string, prefix = "kinesis-fanout"): ResourceNames {
    const base = `${prefix}-${stack}`.toLowerCase().replace(/[^a-z0-9-]/g, "-");
    return {
        inputBucket: `${base}-input`,
        outputBucket: `${base}-output`,
        streamName: `${base}-records`,
        deadLetterQueue: `${base}-dead-letters`,
        failureBucket: `${base}-failures`,
        splitterFunction: `${base}-splitter`,
        writerFunction: `${base}-writer`,
        pipelineName: pipelineNameFor(prefix, stack),
    };
}

/** Creates the bucket unless it exists; outside us-east-1, S3 wants the region as LocationConstraint. */
export async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
    try {
        await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch {
        const region = await s3.config.region();
        await s3.send(
            new CreateBucketCommand({
                Bucket: bucket,
                ...(region === "us-east-1" ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
            }),
        );
    }
}

async function ensureStream(kinesis: KinesisClient, streamName: string, shardCount: number): Promise<{ arn: string; shards: number }> {
    try {
        await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
    } catch (error) {
        if (!(error instanceof ResourceInUseException) && (error as Error).name !== "ResourceInUseException") throw error;
    }
    for (let attempt = 0; attempt < 600; attempt++) {
        const { StreamDescriptionSummary: summary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
        if (summary?.StreamStatus === "ACTIVE") return { arn: summary.StreamARN!, shards: summary.OpenShardCount ?? shardCount };
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`stream ${streamName} did not become ACTIVE within 60 s`);
}

async function ensureQueue(sqs: SQSClient, name: string): Promise<{ url: string; arn: string }> {
    const { QueueUrl } = await sqs.send(
        new CreateQueueCommand({ QueueName: name, Attributes: { MessageRetentionPeriod: String(AWS_LIMITS.sqs.messageRetentionSeconds.max), SqsManagedSseEnabled: "true" } }),
    );
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
    return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

export async function provisionResources(clients: AwsClients, stack: string, settings: FanoutSettings, prefix?: string): Promise<ProvisionedResources> {
    const names = resourceNames(stack, prefix);
    const failureBucketInUse = settings.onFailureDestination === "s3" ? names.failureBucket : undefined;
    const [, , , stream, queue] = await Promise.all([
        ensureBucket(clients.s3, names.inputBucket),
        ensureBucket(clients.s3, names.outputBucket),
        failureBucketInUse ? ensureBucket(clients.s3, failureBucketInUse) : undefined,
        ensureStream(clients.kinesis, names.streamName, effectiveShardCount(settings)),
        ensureQueue(clients.sqs, names.deadLetterQueue),
    ]);
    return {
        ...names,
        streamArn: stream.arn,
        shardCount: stream.shards,
        deadLetterQueueUrl: queue.url,
        deadLetterQueueArn: queue.arn,
        failureBucketInUse,
    };
}
