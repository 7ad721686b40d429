import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** The AWS managed KMS key of Kinesis: encryption at rest with no key policy to manage. */
export const KINESIS_MANAGED_KEY = "alias/aws/kinesis";

export interface FanoutStreamArgs {
    /**
     * `PROVISIONED` (pay per shard-hour, capacity set by `shardCount`) or `ON_DEMAND` (Kinesis
     * scales shards with traffic, starting with `AWS_LIMITS.kinesis.onDemandInitialShards`).
     * The stack's `kinesis-fanout:streamMode`.
     */
    streamMode: "PROVISIONED" | "ON_DEMAND";
    /**
     * Shards of a PROVISIONED stream, at least 1 (the account's shard quota is the upper limit).
     * Each shard takes `AWS_LIMITS.kinesis.shardWrite*PerSecond` of writes and serves
     * `shardReadBytesPerSecond` of reads. Not sent for ON_DEMAND. The stack's `kinesis-fanout:shardCount`.
     */
    shardCount: number;
    /** Hours the stream keeps records, within `AWS_LIMITS.kinesis.retentionHours`. The stack's `kinesis-fanout:retentionPeriodHours`. */
    retentionPeriodHours: number;
    /**
     * Shard-level enhanced metrics to enable (for example `IncomingRecords`,
     * `IteratorAgeMilliseconds`); each costs extra. Stream-level metrics are always on.
     * @default [] (none)
     */
    shardLevelMetrics?: string[];
}

/**
 * The Kinesis data stream between the splitter and the writer, encrypted at rest with the AWS
 * managed key `alias/aws/kinesis`.
 */
export class FanoutStream extends pulumi.ComponentResource {
    readonly stream: aws.kinesis.Stream;
    readonly streamName: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;

    constructor(name: string, args: FanoutStreamArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kinesis-fanout:streaming:FanoutStream", name, {}, opts);
        const { streamMode } = args;

        this.stream = new aws.kinesis.Stream(
            name,
            {
                streamModeDetails: { streamMode },
                shardCount: streamMode === "PROVISIONED" ? args.shardCount : undefined,
                retentionPeriod: args.retentionPeriodHours,
                encryptionType: "KMS",
                kmsKeyId: KINESIS_MANAGED_KEY,
                shardLevelMetrics: args.shardLevelMetrics?.length ? args.shardLevelMetrics : undefined,
            },
            { parent: this },
        );

        this.streamName = this.stream.name;
        this.arn = this.stream.arn;
        this.registerOutputs({ streamName: this.streamName, arn: this.arn });
    }
}
