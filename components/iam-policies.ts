/**
 * IAM policy documents of the pipeline, built by pure functions from resolved ARNs. No Pulumi
 * import: the components resolve their Outputs and call these, and tests call them directly.
 *
 * Every grant names one resource (or the narrowest pattern IAM allows) and one purpose. Nothing
 * here is an AWS managed policy: the roles carry only these inline documents.
 */
import { HAND_OFF_CLAIM_PREFIX } from "../handlers/splitter/hand-off-claim";

export interface PolicyStatement {
    Sid: string;
    Effect: "Allow" | "Deny";
    Action: string[];
    Resource: string[];
    Principal?: "*" | { Service: string };
    Condition?: Record<string, Record<string, string>>;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: PolicyStatement[];
}

/** Lets the Lambda service assume a function's execution role. */
export function lambdaAssumeRolePolicy(): { Version: "2012-10-17"; Statement: object[] } {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
    };
}

/**
 * Escapes the characters IAM treats as wildcards (`*`, `?`) and the policy-variable marker (`$`),
 * so that an S3 key prefix is matched literally inside a Resource ARN. Needs policy version
 * 2012-10-17, which every document here uses.
 */
export function escapeIamResourceText(text: string): string {
    return text.replace(/[$*?]/g, (character) => `\${${character}}`);
}

/** CreateLogStream and PutLogEvents on one function's own log group (and its streams) only. */
export function ownLogGroupStatement(logGroupArn: string): PolicyStatement {
    return {
        Sid: "WriteOwnLogGroup",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [`${logGroupArn}:*`],
    };
}

export interface SplitterPolicyInput {
    inputBucketArn: string;
    /** Only objects under this prefix may be read; empty for the whole bucket. */
    inputPrefix: string;
    streamArn: string;
    deadLetterQueueArn: string;
    logGroupArn: string;
    /** The splitter's own unqualified ARN: it invokes itself to continue a file past its timeout. */
    functionArn: string;
    /** The bucket holding the hand-off claim markers (handlers/splitter/hand-off-claim.ts). */
    handOffClaimBucketArn: string;
}

/**
 * The splitter reads uploaded objects, puts their lines on the stream and dead-letters lines
 * over 1 MiB; its failed asynchronous invocations also go to the dead-letter queue through this
 * role (the FunctionEventInvokeConfig's on-failure destination). When its time runs short it
 * invokes itself asynchronously with a checkpoint (handlers/splitter/continuation.ts):
 * `lambda:InvokeFunction` on its own unqualified ARN only, the one it calls by name.
 *
 * No kms grant: the stream is encrypted with the AWS managed key `alias/aws/kinesis`, and
 * "the use of the default service key for encryption does not require application of custom
 * IAM permissions" (docs.aws.amazon.com/streams/latest/dev/permissions-user-key-KMS.html). A
 * customer managed key would need kms:GenerateDataKey here and kms:Decrypt for the writer.
 */
export function splitterPolicy(input: SplitterPolicyInput): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ReadInputObjects",
                Effect: "Allow",
                Action: ["s3:GetObject"],
                Resource: [`${input.inputBucketArn}/${escapeIamResourceText(input.inputPrefix)}*`],
            },
            // Without s3:ListBucket, S3 answers a GetObject on a key that no longer exists with 403
            // AccessDenied instead of 404 NoSuchKey, and the splitter could not tell a deleted
            // object (skip it) from a real permission problem (fail). GetObject's page says only
            // "If you have the s3:ListBucket permission on the bucket, Amazon S3 returns an HTTP
            // status code 404": it does not say the implied check carries an s3:prefix, so a grant
            // conditioned on one might never match. Unconditioned, it is right either way; it
            // reveals key names (not contents) outside the prefix.
            {
                Sid: "ListInputBucket",
                Effect: "Allow",
                Action: ["s3:ListBucket"],
                Resource: [input.inputBucketArn],
            },
            // Each hand-off is claimed once with a conditional PutObject (If-None-Match: *) of a
            // marker, read back when the claim fails to tell its own retry from a duplicate.
            {
                Sid: "ClaimHandOffs",
                Effect: "Allow",
                Action: ["s3:PutObject", "s3:GetObject"],
                Resource: [`${input.handOffClaimBucketArn}/${HAND_OFF_CLAIM_PREFIX}*`],
            },
            {
                Sid: "PutRecordsOnStream",
                Effect: "Allow",
                Action: ["kinesis:DescribeStreamSummary", "kinesis:PutRecords"],
                Resource: [input.streamArn],
            },
            {
                Sid: "ContinueByInvokingItself",
                Effect: "Allow",
                Action: ["lambda:InvokeFunction"],
                Resource: [input.functionArn],
            },
            deadLetterStatement(input.deadLetterQueueArn),
            ownLogGroupStatement(input.logGroupArn),
        ],
    };
}

export interface WriterPolicyInput {
    streamArn: string;
    outputBucketArn: string;
    deadLetterQueueArn: string;
    logGroupArn: string;
    /** The failure bucket, when the mapping's on-failure destination is S3 (`onFailureDestination: s3`). */
    failureBucketArn?: string;
}

/**
 * The writer's role is also the event source mapping's: Lambda polls the stream with it and sends
 * the mapping's on-failure records to the dead-letter queue with it.
 *
 * - Stream-level read actions are scoped to the stream's ARN.
 * - `kinesis:SubscribeToShard` authorizes on the *consumer* resource type
 *   (`<stream ARN>/consumer/<name>:<timestamp>`), not on the stream, so it is granted on this
 *   stream's consumers only; it is used only if the mapping is switched to an enhanced fan-out
 *   consumer.
 * - `kinesis:ListStreams` supports no resource-level permission (the Service Authorization
 *   Reference lists no resource type for it), so IAM requires `"*"`; it reveals stream names only.
 * - No kms grant: see `splitterPolicy`.
 */
export function writerPolicy(input: WriterPolicyInput): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ReadStream",
                Effect: "Allow",
                Action: [
                    "kinesis:DescribeStream",
                    "kinesis:DescribeStreamSummary",
                    "kinesis:GetRecords",
                    "kinesis:GetShardIterator",
                    "kinesis:ListShards",
                ],
                Resource: [input.streamArn],
            },
            {
                Sid: "SubscribeThroughStreamConsumers",
                Effect: "Allow",
                Action: ["kinesis:SubscribeToShard"],
                Resource: [`${input.streamArn}/consumer/*`],
            },
            {
                Sid: "ListStreamsHasNoResourceLevelPermission",
                Effect: "Allow",
                Action: ["kinesis:ListStreams"],
                Resource: ["*"],
            },
            {
                Sid: "WriteOutputObjects",
                Effect: "Allow",
                Action: ["s3:PutObject"],
                Resource: [`${input.outputBucketArn}/*`],
            },
            deadLetterStatement(input.deadLetterQueueArn),
            ...(input.failureBucketArn ? failureBucketStatements(input.failureBucketArn) : []),
            ownLogGroupStatement(input.logGroupArn),
        ],
    };
}

/**
 * What an event source mapping needs to send its on-failure records to an S3 bucket: "For an S3
 * destination: s3:PutObject and s3:ListBucket" (Lambda developer guide, "Your execution role
 * must have permissions for the destination", kinesis-on-failure-destination / kafka-on-failure).
 * PutObject only under `aws/lambda/`, where Lambda writes them
 * (`aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/...`). ListBucket is on the failure bucket alone,
 * without an `s3:prefix` condition: AWS does not say which listing Lambda makes, and a HeadBucket
 * check carries no prefix, so a condition could fail the destination check.
 */
export function failureBucketStatements(failureBucketArn: string): PolicyStatement[] {
    return [
        { Sid: "WriteFailedBatches", Effect: "Allow", Action: ["s3:PutObject"], Resource: [`${failureBucketArn}/aws/lambda/*`] },
        { Sid: "ListFailureBucket", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [failureBucketArn] },
    ];
}

/**
 * Denies every S3 request to the bucket and its objects that does not use TLS, and every upload
 * that asks for server-side encryption other than SSE-S3 (`AES256`).
 *
 * Why refuse rather than support a customer key: an object under SSE-KMS (or DSSE-KMS) with a key
 * the splitter has no `kms:Decrypt` on reads as AccessDenied, which only ends in the dead-letter
 * queue after two retries. Refused at upload, the uploader gets the AccessDenied at once. An upload
 * without the header gets the bucket's default (SSE-S3), so ordinary uploads are unaffected.
 * S3's SSE-S3 page gives this policy: deny `s3:PutObject` with `StringNotEquals`
 * `s3:x-amz-server-side-encryption` `AES256`; `...IfExists` here lets header-less uploads through.
 */
export function secureBucketPolicy(bucketArn: string): PolicyDocument {
    const policy = denyInsecureTransportPolicy(bucketArn);
    policy.Statement.push({
        Sid: "DenyUploadsUnderOtherEncryption",
        Effect: "Deny",
        Principal: "*",
        Action: ["s3:PutObject"],
        Resource: [`${bucketArn}/*`],
        Condition: { StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption": "AES256" } },
    });
    return policy;
}

/** Denies every S3 request to the bucket and its objects that does not use TLS. */
export function denyInsecureTransportPolicy(bucketArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: ["s3:*"],
                Resource: [bucketArn, `${bucketArn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ],
    };
}

function deadLetterStatement(deadLetterQueueArn: string): PolicyStatement {
    return { Sid: "SendToDeadLetterQueue", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [deadLetterQueueArn] };
}
