import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { secureBucketPolicy } from "./iam-policies";

export interface SecureBucketArgs {
    /**
     * Let `pulumi destroy` delete the bucket while it still holds objects (S3 refuses to delete
     * a non-empty bucket otherwise).
     * @default false
     */
    forceDestroy?: boolean;
}

/**
 * A private S3 bucket: the v7 `aws.s3.Bucket` (the former BucketV2) plus its security pieces as
 * separate resources.
 *
 * - All four public access blocks on.
 * - Default encryption SSE-S3 (`AES256`), not SSE-KMS: the functions then need no kms grants, and
 *   writing 10,000 small objects makes no KMS requests (no KMS request quota to share, no KMS
 *   cost). SSE-KMS with a customer managed key would be the choice if key policies or audit of
 *   each decrypt were required.
 * - Object ownership `BucketOwnerEnforced` (ACLs disabled).
 * - A bucket policy that denies any request without TLS (`aws:SecureTransport` false), and any
 *   upload that asks for encryption other than SSE-S3 (an SSE-KMS object under a key the
 *   functions can't use would fail only later, in the splitter).
 */
export class SecureBucket extends pulumi.ComponentResource {
    readonly bucket: aws.s3.Bucket;
    /** The bucket's name (its id). */
    readonly bucketName: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;

    constructor(name: string, args: SecureBucketArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("kinesis-fanout:storage:SecureBucket", name, {}, opts);
        const parent = { parent: this };

        this.bucket = new aws.s3.Bucket(name, { forceDestroy: args.forceDestroy ?? false }, parent);
        const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access-block`,
            {
                bucket: this.bucket.id,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            },
            parent,
        );
        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            {
                bucket: this.bucket.id,
                rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
            },
            parent,
        );
        new aws.s3.BucketOwnershipControls(
            `${name}-ownership`,
            { bucket: this.bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
            parent,
        );
        // After the public access block: S3 rejects concurrent changes to one bucket's configuration.
        new aws.s3.BucketPolicy(
            `${name}-deny-insecure-transport`,
            {
                bucket: this.bucket.id,
                policy: this.bucket.arn.apply((arn) => JSON.stringify(secureBucketPolicy(arn))),
            },
            { parent: this, dependsOn: [publicAccessBlock] },
        );

        this.bucketName = this.bucket.id;
        this.arn = this.bucket.arn;
        this.registerOutputs({ bucketName: this.bucketName, arn: this.arn });
    }
}
