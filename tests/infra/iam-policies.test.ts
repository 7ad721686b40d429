import * as assert from "node:assert/strict";
import {
    denyInsecureTransportPolicy,
    escapeIamResourceText,
    lambdaAssumeRolePolicy,
    splitterPolicy,
    writerPolicy,
    type PolicyDocument,
} from "../../components/iam-policies";

const STREAM = "arn:aws:kinesis:ap-northeast-1:123456789012:stream/fanout";
const QUEUE = "arn:aws:sqs:ap-northeast-1:123456789012:dead-letters";
const LOGS = "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/lambda/fn";
const SPLITTER = "arn:aws:lambda:ap-northeast-1:123456789012:function:fn";

/** Each action with the resources it is allowed on, so a test states the whole grant at once. */
function grants(policy: PolicyDocument): Record<string, string[]> {
    const result: Record<string, string[]> = {};
    for (const statement of policy.Statement) {
        assert.equal(statement.Effect, "Allow", `statement ${statement.Sid} should allow`);
        for (const action of statement.Action) result[action] = [...(result[action] ?? []), ...statement.Resource].sort();
    }
    return result;
}

describe("IAM policy documents", () => {
    it("lets only the Lambda service assume a function role", () => {
        assert.deepEqual(lambdaAssumeRolePolicy().Statement, [
            { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
        ]);
    });

    it("grants the splitter reading under the input prefix, putting records, invoking itself, dead-lettering and its own logs, nothing else", () => {
        const policy = splitterPolicy({
            inputBucketArn: "arn:aws:s3:::input",
            inputPrefix: "uploads/",
            streamArn: STREAM,
            deadLetterQueueArn: QUEUE,
            logGroupArn: LOGS,
            functionArn: SPLITTER,
            handOffClaimBucketArn: "arn:aws:s3:::output",
        });
        assert.equal(policy.Version, "2012-10-17");
        assert.deepEqual(grants(policy), {
            "s3:GetObject": ["arn:aws:s3:::input/uploads/*", "arn:aws:s3:::output/_kinesis-fanout/hand-off-claims/*"],
            "s3:PutObject": ["arn:aws:s3:::output/_kinesis-fanout/hand-off-claims/*"],
            "s3:ListBucket": ["arn:aws:s3:::input"],
            "kinesis:DescribeStreamSummary": [STREAM],
            "kinesis:PutRecords": [STREAM],
            "lambda:InvokeFunction": [SPLITTER],
            "sqs:SendMessage": [QUEUE],
            "logs:CreateLogStream": [`${LOGS}:*`],
            "logs:PutLogEvents": [`${LOGS}:*`],
        });
    });

    it("lets the splitter list the input bucket without an s3:prefix condition, so a deleted object reads as NoSuchKey whether or not S3's implied check carries a prefix", () => {
        const policy = splitterPolicy({ inputBucketArn: "arn:aws:s3:::input", inputPrefix: "uploads/", streamArn: STREAM, deadLetterQueueArn: QUEUE, logGroupArn: LOGS, functionArn: SPLITTER, handOffClaimBucketArn: "arn:aws:s3:::output" });
        const list = policy.Statement.find((statement) => statement.Action.includes("s3:ListBucket"))!;
        assert.deepEqual([list.Resource, list.Condition], [["arn:aws:s3:::input"], undefined]);
    });

    it("lets the splitter read the whole input bucket's objects when the prefix is empty", () => {
        const policy = splitterPolicy({ inputBucketArn: "arn:aws:s3:::input", inputPrefix: "", streamArn: STREAM, deadLetterQueueArn: QUEUE, logGroupArn: LOGS, functionArn: SPLITTER, handOffClaimBucketArn: "arn:aws:s3:::output" });
        assert.deepEqual(grants(policy)["s3:GetObject"], ["arn:aws:s3:::input/*", "arn:aws:s3:::output/_kinesis-fanout/hand-off-claims/*"]);
    });

    it("grants the writer the stream's read actions, consumer subscription, writes to the output bucket, dead-lettering and its own logs", () => {
        const policy = writerPolicy({ streamArn: STREAM, outputBucketArn: "arn:aws:s3:::output", deadLetterQueueArn: QUEUE, logGroupArn: LOGS });
        assert.deepEqual(grants(policy), {
            "kinesis:DescribeStream": [STREAM],
            "kinesis:DescribeStreamSummary": [STREAM],
            "kinesis:GetRecords": [STREAM],
            "kinesis:GetShardIterator": [STREAM],
            "kinesis:ListShards": [STREAM],
            "kinesis:SubscribeToShard": [`${STREAM}/consumer/*`],
            "kinesis:ListStreams": ["*"],
            "s3:PutObject": ["arn:aws:s3:::output/*"],
            "sqs:SendMessage": [QUEUE],
            "logs:CreateLogStream": [`${LOGS}:*`],
            "logs:PutLogEvents": [`${LOGS}:*`],
        });
    });

    it("uses a wildcard resource only for kinesis:ListStreams, which has no resource-level permission", () => {
        const policy = writerPolicy({ streamArn: STREAM, outputBucketArn: "arn:aws:s3:::output", deadLetterQueueArn: QUEUE, logGroupArn: LOGS });
        const wildcard = policy.Statement.filter((statement) => statement.Resource.includes("*"));
        assert.deepEqual(wildcard.map((statement) => statement.Action), [["kinesis:ListStreams"]]);
    });

    it("escapes IAM wildcards and policy variables in a prefix so it matches literally", () => {
        assert.equal(escapeIamResourceText("a*b?c$d/"), "a${*}b${?}c${$}d/");
        const policy = splitterPolicy({ inputBucketArn: "arn:aws:s3:::input", inputPrefix: "in*/", streamArn: STREAM, deadLetterQueueArn: QUEUE, logGroupArn: LOGS, functionArn: SPLITTER, handOffClaimBucketArn: "arn:aws:s3:::output" });
        assert.deepEqual(grants(policy)["s3:GetObject"][0], "arn:aws:s3:::input/in${*}/*");
    });

    it("denies every non-TLS request to a bucket and its objects", () => {
        assert.deepEqual(denyInsecureTransportPolicy("arn:aws:s3:::b").Statement, [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: ["s3:*"],
                Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ]);
    });
});
