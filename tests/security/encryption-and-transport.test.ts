import * as assert from "node:assert/strict";
import { readStackFile } from "../../runtime/stack/read-stack-file";
import { buildProgram, REPO_ROOT, resourcesOf, type BuiltProgram } from "../support/pulumi-program";

/**
 * Every bucket, stream and queue the program creates, for each shipped stack, whatever their
 * number: a bucket, stream or queue added later without these settings fails here.
 */
for (const stackName of ["dev", "prod"]) {
    describe(`encryption and transport in the ${stackName} stack`, () => {
        let built: BuiltProgram;
        const forBucket = (type: string, bucket: string) => resourcesOf(built, type).filter((resource) => resource.inputs.bucket === bucket);
        const buckets = () => resourcesOf(built, "aws:s3/bucket:Bucket").map((bucket) => bucket.inputs.bucket ?? `${bucket.name}-mock`);

        before(async () => {
            const stack = readStackFile(REPO_ROOT, stackName);
            built = await buildProgram(stack.settings, { "aws:region": stack.region });
        });

        it("denies every request to each bucket and its objects that does not use TLS", () => {
            assert.ok(buckets().length >= 2);
            for (const bucket of buckets()) {
                const statements = forBucket("aws:s3/bucketPolicy:BucketPolicy", bucket).flatMap((policy) => JSON.parse(policy.inputs.policy).Statement);
                const denial = statements.find((statement: any) => statement.Effect === "Deny" && statement.Condition?.Bool?.["aws:SecureTransport"] === "false");
                assert.ok(denial, `${bucket} has no deny on aws:SecureTransport false`);
                assert.equal(denial.Principal, "*");
                assert.deepEqual(denial.Action, ["s3:*"]);
                assert.deepEqual([...denial.Resource].sort(), [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`]);
            }
        });

        it("blocks every kind of public access to each bucket, and disables ACLs", () => {
            for (const bucket of buckets()) {
                const [block] = forBucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", bucket);
                assert.ok(block, `${bucket} has no public access block`);
                for (const setting of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.equal(block.inputs[setting], true, `${bucket} ${setting}`);
                const [ownership] = forBucket("aws:s3/bucketOwnershipControls:BucketOwnershipControls", bucket);
                assert.deepEqual(ownership?.inputs.rule, { objectOwnership: "BucketOwnerEnforced" }, bucket);
                assert.equal(resourcesOf(built, "aws:s3/bucketAclV2:BucketAclV2").length + resourcesOf(built, "aws:s3/bucketAcl:BucketAcl").length, 0);
            }
        });

        it("encrypts each bucket at rest by default", () => {
            for (const bucket of buckets()) {
                const [encryption] = forBucket("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", bucket);
                const algorithm = encryption?.inputs.rules?.[0]?.applyServerSideEncryptionByDefault?.sseAlgorithm;
                assert.ok(["AES256", "aws:kms", "aws:kms:dsse"].includes(algorithm), `${bucket}: ${algorithm}`);
            }
        });

        it("encrypts each stream with KMS", () => {
            const streams = resourcesOf(built, "aws:kinesis/stream:Stream");
            assert.ok(streams.length >= 1);
            for (const stream of streams) {
                assert.equal(stream.inputs.encryptionType, "KMS", stream.name);
                assert.ok(stream.inputs.kmsKeyId, stream.name);
            }
        });

        it("encrypts each queue, with SQS-managed keys or KMS", () => {
            const queues = resourcesOf(built, "aws:sqs/queue:Queue");
            assert.ok(queues.length >= 1);
            for (const queue of queues) assert.ok(queue.inputs.sqsManagedSseEnabled === true || queue.inputs.kmsMasterKeyId, queue.name);
        });

        it("never turns on Powertools' event logging, which would write whole records to the logs", () => {
            for (const fn of resourcesOf(built, "aws:lambda/function:Function")) {
                const variables: Record<string, string> = fn.inputs.environment?.variables ?? {};
                assert.notEqual(String(variables.POWERTOOLS_LOGGER_LOG_EVENT ?? "false").toLowerCase(), "true", fn.name);
                assert.notEqual(String(variables.POWERTOOLS_DEV ?? "false").toLowerCase(), "true", fn.name);
            }
        });
    });
}
