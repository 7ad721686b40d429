import * as assert from "node:assert/strict";
import { splitterPolicy, writerPolicy } from "../../components/iam-policies";
import { parseSettings, type FanoutSettings } from "../../settings/parse";
import { MOCK_ACCOUNT_ID } from "../support/pulumi-mocks";
import { buildProgram, mockArns, resourceOf, resourcesOf, type BuiltProgram } from "../support/pulumi-program";

const REGION = "eu-west-1";

describe("the pipeline's security under Pulumi mocks", () => {
    let settings: FanoutSettings;
    let built: BuiltProgram;
    let arns: ReturnType<typeof mockArns>;

    before(async () => {
        settings = parseSettings({}).settings;
        built = await buildProgram(settings, { "aws:region": REGION });
        arns = mockArns(built, REGION);
    });

    describe("IAM", () => {
        it("attaches no managed policy anywhere", () => {
            assert.deepEqual(resourcesOf(built, "aws:iam/rolePolicyAttachment:RolePolicyAttachment"), []);
            for (const role of resourcesOf(built, "aws:iam/role:Role")) {
                assert.equal(role.inputs.managedPolicyArns, undefined, `${role.name} has managed policies`);
            }
            assert.doesNotMatch(JSON.stringify(built.resources.map((resource) => resource.inputs)), /FullAccess|PowerUser|arn:aws:iam::aws:policy/);
        });

        it("gives each function its own role", () => {
            const roles = resourcesOf(built, "aws:iam/role:Role").map((role) => role.name).sort();
            assert.deepEqual(roles, ["kinesis-fanout-splitter-role", "kinesis-fanout-writer-role"]);
            const splitter = resourceOf(built, "aws:lambda/function:Function", "kinesis-fanout-splitter");
            const writer = resourceOf(built, "aws:lambda/function:Function", "kinesis-fanout-writer");
            assert.match(splitter.inputs.role, /role\/kinesis-fanout-splitter-role/);
            assert.match(writer.inputs.role, /role\/kinesis-fanout-writer-role/);
        });

        it("gives the splitter role exactly the splitter's actions on this stack's ARNs", () => {
            const policy = resourceOf(built, "aws:iam/rolePolicy:RolePolicy", "kinesis-fanout-splitter-policy");
            const splitterRoleArn: string = resourceOf(built, "aws:lambda/function:Function", "kinesis-fanout-splitter").inputs.role;
            assert.equal(`arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${policy.inputs.role}`, splitterRoleArn);
            assert.deepEqual(
                JSON.parse(policy.inputs.policy),
                splitterPolicy({
                    inputBucketArn: arns.inputBucket,
                    inputPrefix: "",
                    streamArn: arns.stream,
                    deadLetterQueueArn: arns.queue,
                    logGroupArn: arns.splitterLogs,
                    functionArn: arns.splitterFunction,
                    handOffClaimBucketArn: arns.outputBucket,
                }),
            );
        });

        it("gives the writer role exactly the writer's actions on this stack's ARNs", () => {
            const policy = resourceOf(built, "aws:iam/rolePolicy:RolePolicy", "kinesis-fanout-writer-policy");
            const writerRoleArn: string = resourceOf(built, "aws:lambda/function:Function", "kinesis-fanout-writer").inputs.role;
            assert.equal(`arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${policy.inputs.role}`, writerRoleArn);
            assert.deepEqual(
                JSON.parse(policy.inputs.policy),
                writerPolicy({
                    streamArn: arns.stream,
                    outputBucketArn: arns.outputBucket,
                    deadLetterQueueArn: arns.queue,
                    logGroupArn: arns.writerLogs,
                    failureBucketArn: "arn:aws:s3:::kinesis-fanout-failures-mock",
                }),
            );
        });
    });

    describe("storage", () => {
        it("keeps fourteen days of encrypted dead letters", () => {
            const queue = resourceOf(built, "aws:sqs/queue:Queue");
            assert.equal(queue.inputs.messageRetentionSeconds, 1209600);
            assert.equal(queue.inputs.sqsManagedSseEnabled, true);
        });

        it("encrypts the stream with the AWS managed Kinesis key", () => {
            const stream = resourceOf(built, "aws:kinesis/stream:Stream");
            assert.equal(stream.inputs.encryptionType, "KMS");
            assert.equal(stream.inputs.kmsKeyId, "alias/aws/kinesis");
        });

        it("uses separate input, output and failure buckets, so a write can never trigger the splitter", () => {
            assert.equal(resourcesOf(built, "aws:s3/bucket:Bucket").length, 3);
            assert.notEqual(built.outputs.inputBucketName, built.outputs.outputBucketName);
        });

        for (const role of ["input", "output"]) {
            it(`blocks public access to the ${role} bucket, encrypts it, enforces bucket ownership and denies non-TLS requests`, () => {
                const bucket = `kinesis-fanout-${role}`;
                const bucketName = role === "input" ? built.outputs.inputBucketName : built.outputs.outputBucketName;
                const block = resourceOf(built, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${bucket}-public-access-block`);
                assert.deepEqual(
                    [block.inputs.bucket, block.inputs.blockPublicAcls, block.inputs.blockPublicPolicy, block.inputs.ignorePublicAcls, block.inputs.restrictPublicBuckets],
                    [bucketName, true, true, true, true],
                );
                const encryption = resourceOf(built, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", `${bucket}-encryption`);
                assert.equal(encryption.inputs.bucket, bucketName);
                assert.deepEqual(encryption.inputs.rules, [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
                const ownership = resourceOf(built, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", `${bucket}-ownership`);
                assert.deepEqual([ownership.inputs.bucket, ownership.inputs.rule], [bucketName, { objectOwnership: "BucketOwnerEnforced" }]);
                const policy = resourceOf(built, "aws:s3/bucketPolicy:BucketPolicy", `${bucket}-deny-insecure-transport`);
                const statement = JSON.parse(policy.inputs.policy).Statement[0];
                assert.deepEqual(statement.Resource, [`arn:aws:s3:::${bucketName}`, `arn:aws:s3:::${bucketName}/*`]);
                assert.deepEqual([statement.Effect, statement.Condition], ["Deny", { Bool: { "aws:SecureTransport": "false" } }]);
            });
        }
    });
});
