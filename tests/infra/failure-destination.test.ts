import * as assert from "node:assert/strict";
import { parseSettings } from "../../settings/parse";
import { buildProgram, mockArns, resourceOf, resourcesOf, type BuiltProgram } from "../support/pulumi-program";

const REGION = "eu-west-1";
const MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping";

function writerStatements(built: BuiltProgram): Array<{ Sid: string; Action: string[]; Resource: string[]; Condition?: unknown }> {
    return JSON.parse(resourceOf(built, "aws:iam/rolePolicy:RolePolicy", "kinesis-fanout-writer-policy").inputs.policy).Statement;
}

/** Every S3 grant of the writer's role, as action -> resources. */
function writerS3Grants(built: BuiltProgram): Record<string, string[]> {
    const grants: Record<string, string[]> = {};
    for (const statement of writerStatements(built)) {
        for (const action of statement.Action.filter((name) => name.startsWith("s3:"))) grants[action] = [...(grants[action] ?? []), ...statement.Resource].sort();
    }
    return grants;
}

describe("the writer mapping's on-failure destination under Pulumi mocks", () => {
    describe("with onFailureDestination s3 (the default)", () => {
        let built: BuiltProgram;
        let failureBucket: string;

        before(async () => {
            built = await buildProgram(parseSettings({}).settings, { "aws:region": REGION });
            resourceOf(built, "aws:s3/bucket:Bucket", "kinesis-fanout-failures");
            failureBucket = "arn:aws:s3:::kinesis-fanout-failures-mock";
        });

        it("sends failed batches to the failure bucket's ARN", () => {
            const mapping = resourceOf(built, MAPPING);
            assert.deepEqual(mapping.inputs.destinationConfig, { onFailure: { destinationArn: failureBucket } });
        });

        it("lets the writer's role put objects only under aws/lambda/ of the failure bucket and list that bucket alone", () => {
            const output = `arn:aws:s3:::${built.outputs.outputBucketName}`;
            assert.deepEqual(writerS3Grants(built), {
                "s3:PutObject": [`${failureBucket}/aws/lambda/*`, `${output}/*`].sort(),
                "s3:ListBucket": [failureBucket],
            });
        });

        it("expires failed batches after 30 days by default, only under aws/lambda/", () => {
            const lifecycle = resourceOf(built, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "kinesis-fanout-failures-expire-failed-batches");
            assert.equal(lifecycle.inputs.bucket, failureBucket.replace("arn:aws:s3:::", ""));
            assert.deepEqual(lifecycle.inputs.rules[0].filter, { prefix: "aws/lambda/" });
            assert.deepEqual(lifecycle.inputs.rules[0].expiration, { days: 30 });
            assert.equal(lifecycle.inputs.rules[0].status, "Enabled");
        });

        it("gives the failure bucket the same protections as the others", () => {
            const protectedBuckets = (type: string) => resourcesOf(built, type).map((resource) => resource.inputs.bucket).sort();
            const failureName = failureBucket.replace("arn:aws:s3:::", "");
            for (const type of [
                "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
                "aws:s3/bucketPolicy:BucketPolicy",
            ]) {
                assert.ok(protectedBuckets(type).includes(failureName), `${type} is missing on the failure bucket`);
            }
        });

        it("turns on the mapping's EventCount metrics", () => {
            assert.deepEqual(resourceOf(built, MAPPING).inputs.metricsConfig, { metrics: ["EventCount"] });
        });
    });

    describe("with onFailureDestination sqs", () => {
        let built: BuiltProgram;

        before(async () => {
            built = await buildProgram(parseSettings({ onFailureDestination: "sqs" }).settings, { "aws:region": REGION });
        });

        it("sends failed batches to the dead-letter queue and creates no failure bucket", () => {
            assert.deepEqual(resourceOf(built, MAPPING).inputs.destinationConfig, { onFailure: { destinationArn: mockArns(built, REGION).queue } });
            assert.equal(resourcesOf(built, "aws:s3/bucket:Bucket").length, 2);
            assert.deepEqual(resourcesOf(built, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").filter((lifecycle) => lifecycle.name.includes("failures")), []);
        });

        it("gives the writer's role no access to a failure bucket", () => {
            assert.deepEqual(writerS3Grants(built), { "s3:PutObject": [`arn:aws:s3:::${built.outputs.outputBucketName}/*`] });
        });
    });

    it("refuses an unknown destination, naming the allowed ones", () => {
        assert.throws(() => parseSettings({ onFailureDestination: "sns" }), /onFailureDestination[\s\S]*s3[\s\S]*sqs/);
    });
});
