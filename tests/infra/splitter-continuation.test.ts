import * as assert from "node:assert/strict";
import { splitterEnvironment } from "../../handlers/shared/environment";
import { parseSettings, type FanoutSettings } from "../../settings/parse";
import { buildProgram, mockArns, resourceOf, resourcesOf, type BuiltProgram } from "../support/pulumi-program";

const REGION = "ap-northeast-1";

/**
 * What the splitter's continuation (an asynchronous self-invoke with a checkpoint, issue 6) needs
 * from the program, under Pulumi mocks: permission to invoke itself and nothing more, with no
 * dependency cycle, and the same retries and on-failure destination as its S3 events.
 */
describe("the splitter's self-invoke continuation under Pulumi mocks", () => {
    let settings: FanoutSettings;
    let built: BuiltProgram;
    let arns: ReturnType<typeof mockArns>;

    before(async () => {
        settings = parseSettings({}).settings;
        built = await buildProgram(settings, { "aws:region": REGION });
        arns = mockArns(built, REGION);
    });

    function policyOf(name: string): { Statement: Array<{ Action: string[]; Resource: string[] }> } {
        return JSON.parse(resourceOf(built, "aws:iam/rolePolicy:RolePolicy", name).inputs.policy);
    }

    it("lets the splitter's role invoke the splitter's own unqualified ARN, and no other function", () => {
        const statements = policyOf("kinesis-fanout-splitter-policy").Statement.filter((statement) => statement.Action.some((action) => action.startsWith("lambda:")));
        assert.deepEqual(statements.map((statement) => [statement.Action, statement.Resource]), [[["lambda:InvokeFunction"], [arns.splitterFunction]]]);
    });

    it("gives the writer's role no Lambda permission at all", () => {
        const actions = policyOf("kinesis-fanout-writer-policy").Statement.flatMap((statement) => statement.Action);
        assert.deepEqual(actions.filter((action) => action.startsWith("lambda:")), []);
    });

    it("creates the role policy that names the function's ARN after the function, so role, function and policy make no cycle", () => {
        const order = built.created.map((created) => `${created.type} ${created.name}`);
        const role = order.indexOf("aws:iam/role:Role kinesis-fanout-splitter-role");
        const fn = order.indexOf("aws:lambda/function:Function kinesis-fanout-splitter");
        const policy = order.indexOf("aws:iam/rolePolicy:RolePolicy kinesis-fanout-splitter-policy");
        assert.ok(role >= 0 && fn > role && policy > fn, `role ${role}, function ${fn}, policy ${policy}`);
        const created = built.created.find((entry) => entry.name === "kinesis-fanout-splitter" && entry.type === "aws:lambda/function:Function")!;
        assert.equal(created.opts.dependsOn, undefined, "the function waits for no policy");
    });

    it("adds no queue or event source mapping for continuations: the dead-letter queue and the writer's mapping are the only ones", () => {
        assert.equal(resourcesOf(built, "aws:sqs/queue:Queue").length, 1);
        const mappings = resourcesOf(built, "aws:lambda/eventSourceMapping:EventSourceMapping");
        assert.deepEqual(mappings.map((mapping) => mapping.name), ["kinesis-fanout-writer-stream-mapping"]);
    });

    it("retries a failed continuation twice and then sends it to the dead-letter queue, like the S3 events", () => {
        const config = resourceOf(built, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").inputs;
        assert.equal(config.functionName, built.outputs.splitterFunctionName);
        assert.equal(config.maximumRetryAttempts, 2);
        assert.equal(config.destinationConfig.onFailure.destination, arns.queue);
    });

    it("needs no environment variable for the continuation: the function invokes itself by the name Lambda gives it", () => {
        const splitter = resourceOf(built, "aws:lambda/function:Function", "kinesis-fanout-splitter");
        assert.deepEqual(
            splitter.inputs.environment.variables,
            splitterEnvironment({
                    streamName: built.outputs.streamName,
                    deadLetterQueueUrl: built.outputs.deadLetterQueueUrl,
                    partitionKey: settings.partitionKey,
                    maxChainInvocations: settings.splitterMaxChainInvocations,
                    handOffClaimBucket: built.outputs.outputBucketName,
                    pipelineName: "kinesis-fanout-test",
                }),
        );
    });
});
