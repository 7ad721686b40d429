import * as assert from "node:assert/strict";
import { ENV } from "../../handlers/shared/environment";
import { HAND_OFF_CLAIM_PREFIX } from "../../handlers/splitter/hand-off-claim";
import { parseSettings } from "../../settings/parse";
import { resourceNames } from "../../runtime/pipeline/provision";
import { buildProgram, dependsOnOf, resourceOf, type BuiltProgram } from "../support/pulumi-program";

/**
 * What AWS does that a review of issue 11 found the resources did not allow for: each test fails
 * without its fix.
 */
describe("the resources allow for what AWS does (issue 11)", () => {
    let built: BuiltProgram;

    before(async () => {
        const { settings } = parseSettings({ inputPrefix: "raw data/", inputSuffix: "&v2.ndjson", splitterMaxChainInvocations: "250" });
        built = await buildProgram(settings, {}, "prod.eu-west-1");
    });

    it("lets the splitter invoke itself past Lambda's recursive loop detection, which stops a chain after about 16 invocations", () => {
        const splitterName = built.outputs.splitterFunctionName;
        const recursion = resourceOf(built, "aws:lambda/functionRecursionConfig:FunctionRecursionConfig");
        assert.deepEqual([recursion.inputs.functionName, recursion.inputs.recursiveLoop], [splitterName, "Allow"]);
    });

    it("caps a chain's invocations with the splitterMaxChainInvocations setting and names the bucket of the hand-off claims", () => {
        const variables = resourceOf(built, "aws:lambda/function:Function", "kinesis-fanout-splitter").inputs.environment.variables;
        assert.deepEqual([variables[ENV.maxChainInvocations], variables[ENV.handOffClaimBucket]], ["250", built.outputs.outputBucketName]);
    });

    it("expires the hand-off claim markers in the output bucket after two days, longer than Lambda keeps an async event", () => {
        const lifecycle = resourceOf(built, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "kinesis-fanout-splitter-expire-hand-off-claims");
        assert.equal(lifecycle.inputs.bucket, built.outputs.outputBucketName);
        assert.deepEqual(
            lifecycle.inputs.rules.map((rule: { status: string; filter: { prefix: string }; expiration: { days: number } }) => [rule.status, rule.filter.prefix, rule.expiration.days]),
            [["Enabled", HAND_OFF_CLAIM_PREFIX, 2]],
        );
    });

    it("URL-encodes the notification's prefix and suffix (`+` for a space) while the IAM resource keeps the raw key", () => {
        const trigger = resourceOf(built, "aws:s3/bucketNotification:BucketNotification").inputs.lambdaFunctions[0];
        assert.deepEqual([trigger.filterPrefix, trigger.filterSuffix], ["raw+data/", "%26v2.ndjson"]);
        const policy = JSON.parse(resourceOf(built, "aws:iam/rolePolicy:RolePolicy", "kinesis-fanout-splitter-policy").inputs.policy);
        const read = policy.Statement.find((statement: { Sid: string }) => statement.Sid === "ReadInputObjects");
        assert.deepEqual(read.Resource, [`arn:aws:s3:::${built.outputs.inputBucketName}/raw data/*`]);
    });

    it("creates the bucket notification after the splitter's failure destination, so an upload during the deploy is already covered", () => {
        const dependsOn = dependsOnOf(built, "aws:s3/bucketNotification:BucketNotification", "kinesis-fanout-splitter-trigger");
        assert.ok(dependsOn.includes("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig kinesis-fanout-splitter-async-failures"), dependsOn.join(", "));
    });

    it("names the dashboard with only letters, digits, - and _ when the stack name holds dots", () => {
        const dashboard = resourceOf(built, "aws:cloudwatch/dashboard:Dashboard");
        assert.equal(dashboard.inputs.dashboardName, "kinesis-fanout-prod-eu-west-1");
    });

    it("names the functions' metrics Pipeline as the dashboard, and as the embedded runtime does for the same stack", () => {
        for (const name of ["kinesis-fanout-splitter", "kinesis-fanout-writer"]) {
            const variables = resourceOf(built, "aws:lambda/function:Function", name).inputs.environment.variables;
            assert.equal(variables[ENV.pipelineName], "kinesis-fanout-prod-eu-west-1", name);
        }
        assert.equal(resourceNames("prod.eu-west-1").pipelineName, "kinesis-fanout-prod-eu-west-1");
    });

    it("refuses uploads to either bucket that ask for encryption other than SSE-S3", () => {
        for (const bucket of ["kinesis-fanout-input", "kinesis-fanout-output"]) {
            const policy = JSON.parse(resourceOf(built, "aws:s3/bucketPolicy:BucketPolicy", `${bucket}-deny-insecure-transport`).inputs.policy);
            const deny = policy.Statement.find((statement: { Sid: string }) => statement.Sid === "DenyUploadsUnderOtherEncryption");
            assert.deepEqual(deny && [deny.Effect, deny.Principal, deny.Action, deny.Condition], [
                "Deny",
                "*",
                ["s3:PutObject"],
                { StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption": "AES256" } },
            ]);
        }
    });
});
