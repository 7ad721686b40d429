import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SETTING_DEFINITIONS as DEFAULTS } from "../settings/definitions";

/** The AWS managed KMS key of Kinesis: encryption at rest with no key policy to manage. */
export const KINESIS_MANAGED_KEY = "alias/aws/kinesis";

export interface FanoutStreamArgs {
    /**
     * `PROVISIONED` (pay per shard-hour, capacity set by `shardCount`) or `ON_DEMAND` (Kinesis
     * scales shards with traffic; it starts with 4).
     * @default "PROVISIONED"
     */
    streamMode?: "PROVISIONED" | "ON_DEMAND";
    /**
     * Shards of a PROVISIONED stream, at least 1 (the account's shard quota is the upper limit,
     * 10,000 in this project's settings). Each shard takes 1 MiB/s or 1,000 records/s of writes
     * and serves 2 MiB/s of reads. Not sent for ON_DEMAND.
     * @default 1
     */
    shardCount?: number;
    /**
     * Hours the stream keeps records, 24 to 8760 (365 days).
     * @default 24
     */
    retentionPeriodHours?: number;
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

    constructor(name: string, args: FanoutStreamArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("kinesis-fanout:streaming:FanoutStream", name, {}, opts);
        const streamMode = args.streamMode ?? DEFAULTS.streamMode.default;

        this.stream = new aws.kinesis.Stream(
            name,
            {
                streamModeDetails: { streamMode },
                shardCount: streamMode === "PROVISIONED" ? (args.shardCount ?? DEFAULTS.shardCount.default) : undefined,
                retentionPeriod: args.retentionPeriodHours ?? DEFAULTS.retentionPeriodHours.default,
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
