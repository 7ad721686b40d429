import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SecureBucket } from "./secure-bucket";

/**
 * The prefix under which Lambda writes an event source mapping's on-failure records to an S3
 * destination. AWS documents the object key as
 * `aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>`
 * (Lambda developer guide, kinesis-on-failure-destination), so everything it writes is under this.
 */
export const ON_FAILURE_PREFIX = "aws/lambda/";

export interface FailureBucketArgs {
    /**
     * Days a failed batch is kept before the lifecycle rule expires it, at least 1. The stack's
     * `kinesis-fanout:failureRetentionDays`.
     * @default 30
     */
    retentionDays?: number;
    /**
     * Let `pulumi destroy` delete the bucket while it still holds objects.
     * @default false
     */
    forceDestroy?: boolean;
}

/**
 * The writer's event source mapping's on-failure destination when it is S3: "For Amazon S3
 * destinations, Lambda also sends the entire invocation record along with the metadata"
 * (kinesis-on-failure-destination), so a batch it gives up on stays whole after the records
 * leave the stream (24 h by default).
 *
 * - The protections of every bucket here (SecureBucket: no public access, SSE-S3, no ACLs, TLS only).
 *   SSE-S3 and not a customer managed KMS key: with one, the writer's role would also need
 *   kms:GenerateDataKey on it (same page).
 * - A lifecycle rule that expires the records under `aws/lambda/` after `retentionDays` (30 by
 *   default: a month to notice the alarm and redrive, longer than the dead-letter queue's 14
 *   days, and S3 storage of a few failed batches costs next to nothing).
 */
export class FailureBucket extends pulumi.ComponentResource {
    readonly bucketName: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;

    constructor(name: string, args: FailureBucketArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("kinesis-fanout:storage:FailureBucket", name, {}, opts);
        const retentionDays = args.retentionDays ?? 30;
        if (!Number.isInteger(retentionDays) || retentionDays < 1) {
            throw new Error(`FailureBucket ${name}: retentionDays must be a whole number of days, at least 1 (got ${retentionDays})`);
        }
        const bucket = new SecureBucket(name, { forceDestroy: args.forceDestroy }, { parent: this });
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-expire-failed-batches`,
            {
                bucket: bucket.bucketName,
                rules: [
                    {
                        id: "expire-failed-batches",
                        status: "Enabled",
                        filter: { prefix: ON_FAILURE_PREFIX },
                        expiration: { days: retentionDays },
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
                    },
                ],
            },
            { parent: this },
        );
        this.bucketName = bucket.bucketName;
        this.arn = bucket.arn;
        this.registerOutputs({ bucketName: this.bucketName, arn: this.arn });
    }
}
