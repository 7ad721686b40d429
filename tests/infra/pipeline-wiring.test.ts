import * as assert from "node:assert/strict";
import { dashboardBody } from "../../components/dashboard-body";
import { splitterEnvironment, writerEnvironment } from "../../handlers/shared/environment";
import { parseSettings, type FanoutSettings } from "../../settings/parse";
import { MOCK_ACCOUNT_ID } from "../support/pulumi-mocks";
import { buildProgram, dependsOnOf, loadIndexProgram, mockArns, OUTPUT_NAMES, resourceOf, resourcesOf, type BuiltProgram } from "../support/pulumi-program";

const REGION = "eu-west-1";

describe("the pipeline's wiring under Pulumi mocks", () => {
    let settings: FanoutSettings;
    let built: BuiltProgram;
    let arns: ReturnType<typeof mockArns>;

    before(async () => {
        settings = parseSettings({}).settings;
        built = await buildProgram(settings, { "aws:region": REGION });
        arns = mockArns(built, REGION);
    });

    describe("components", () => {
        it("gives every component a kinesis-fanout:<module>:<Type> token", () => {
            const components = built.resources.filter((resource) => !resource.custom);
            assert.ok(components.length >= 8, "expected the pipeline's components to be registered");
            for (const component of components) assert.match(component.type, /^kinesis-fanout:[a-z]+:[A-Z][A-Za-z]+$/);
        });

        it("derives every resource name from the pipeline name", () => {
            for (const resource of built.resources) assert.ok(resource.name.startsWith("kinesis-fanout"), resource.name);
        });

        it("parents every resource under the pipeline component", () => {
            const [pipeline, ...children] = built.created;
            assert.equal(pipeline.type, "kinesis-fanout:index:FanoutPipeline");
            const resources = new Set(built.created.map((created) => created.resource));
            for (const child of children) {
                assert.ok(child.opts.parent && resources.has(child.opts.parent), `${child.type} ${child.name} is not below the pipeline`);
            }
        });

        it("exports every stack output with a value", () => {
            for (const name of OUTPUT_NAMES) assert.ok(built.outputs[name], `${name} is empty`);
            assert.equal(
                built.outputs.dashboardUrl,
                `https://console.aws.amazon.com/cloudwatch/home?region=${REGION}#dashboards:name=kinesis-fanout-test`,
            );
        });
    });

    describe("functions", () => {
        it("configures the splitter with the same environment the runtime uses, and an explicit runtime", () => {
            const splitter = resourceOf(built, "aws:lambda/function:Function", "kinesis-fanout-splitter");
            assert.equal(splitter.inputs.runtime, settings.lambdaRuntime);
            assert.equal(splitter.inputs.handler, "__index.handler");
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

        it("configures the writer with the same environment the runtime uses, and an explicit runtime", () => {
            const writer = resourceOf(built, "aws:lambda/function:Function", "kinesis-fanout-writer");
            assert.equal(writer.inputs.runtime, settings.lambdaRuntime);
            assert.deepEqual(
                writer.inputs.environment.variables,
                writerEnvironment({
                    outputBucket: built.outputs.outputBucketName,
                    deadLetterQueueUrl: built.outputs.deadLetterQueueUrl,
                    outputKeyTemplate: settings.outputKeyTemplate,
                    writerConcurrency: settings.writerConcurrency,
                    pipelineName: "kinesis-fanout-test",
                }),
            );
        });

        it("names each function's metrics namespace, service and pipeline in its environment, as the dashboard and alarms select them", () => {
            const variables = (name: string) => resourceOf(built, "aws:lambda/function:Function", name).inputs.environment.variables;
            for (const [name, service] of [["kinesis-fanout-splitter", "kinesis-fanout-splitter"], ["kinesis-fanout-writer", "kinesis-fanout-writer"]]) {
                const { POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME, PIPELINE_NAME } = variables(name);
                assert.deepEqual([POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME, PIPELINE_NAME], ["KinesisFanout", service, "kinesis-fanout-test"], name);
            }
        });

        it("creates each function's /aws/lambda log group with the configured retention", () => {
            const groups = resourcesOf(built, "aws:cloudwatch/logGroup:LogGroup").map((group) => [group.inputs.name, group.inputs.retentionInDays]);
            assert.deepEqual(groups.sort(), [
                [`/aws/lambda/${built.outputs.splitterFunctionName}`, settings.logRetentionDays],
                [`/aws/lambda/${built.outputs.writerFunctionName}`, settings.logRetentionDays],
            ]);
        });
    });

    describe("the S3 trigger", () => {
        it("lets only S3, for the input bucket and this account, invoke the splitter", () => {
            const permission = resourceOf(built, "aws:lambda/permission:Permission");
            assert.deepEqual(
                {
                    action: permission.inputs.action,
                    function: permission.inputs.function,
                    principal: permission.inputs.principal,
                    sourceArn: permission.inputs.sourceArn,
                    sourceAccount: permission.inputs.sourceAccount,
                },
                {
                    action: "lambda:InvokeFunction",
                    function: built.outputs.splitterFunctionName,
                    principal: "s3.amazonaws.com",
                    sourceArn: arns.inputBucket,
                    sourceAccount: MOCK_ACCOUNT_ID,
                },
            );
        });

        it("notifies the splitter of every object created in the input bucket, with no filter when none is configured", () => {
            const notification = resourceOf(built, "aws:s3/bucketNotification:BucketNotification");
            assert.equal(notification.inputs.bucket, built.outputs.inputBucketName);
            assert.deepEqual(notification.inputs.lambdaFunctions, [
                { lambdaFunctionArn: arns.splitterFunction, events: ["s3:ObjectCreated:*"] },
            ]);
        });

        it("saves the notification only after the permission, the splitter's policy and its failure destination exist", () => {
            assert.deepEqual(dependsOnOf(built, "aws:s3/bucketNotification:BucketNotification", "kinesis-fanout-splitter-trigger").sort(), [
                "aws:iam/rolePolicy:RolePolicy kinesis-fanout-splitter-policy",
                "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig kinesis-fanout-splitter-async-failures",
                "aws:lambda/permission:Permission kinesis-fanout-splitter-s3-invoke",
            ]);
        });

        it("sends the splitter's failed asynchronous invocations to the dead-letter queue after 2 retries", () => {
            const config = resourceOf(built, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig");
            assert.equal(config.inputs.functionName, built.outputs.splitterFunctionName);
            assert.equal(config.inputs.maximumRetryAttempts, 2);
            assert.deepEqual(config.inputs.destinationConfig, { onFailure: { destination: arns.queue } });
            assert.deepEqual(
                dependsOnOf(built, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "kinesis-fanout-splitter-async-failures"),
                ["aws:iam/rolePolicy:RolePolicy kinesis-fanout-splitter-policy"],
            );
        });
    });

    describe("the event source mapping", () => {
        it("reads the stream into the writer with partial batch responses and the failure bucket on failure", () => {
            const mapping = resourceOf(built, "aws:lambda/eventSourceMapping:EventSourceMapping");
            assert.equal(mapping.inputs.eventSourceArn, arns.stream);
            assert.equal(mapping.inputs.functionName, arns.writerFunction);
            assert.deepEqual(mapping.inputs.functionResponseTypes, ["ReportBatchItemFailures"]);
            assert.deepEqual(mapping.inputs.destinationConfig, { onFailure: { destinationArn: "arn:aws:s3:::kinesis-fanout-failures-mock" } });
        });

        it("is created only after the writer's policy, so the first poll has its permissions", () => {
            assert.deepEqual(
                dependsOnOf(built, "aws:lambda/eventSourceMapping:EventSourceMapping", "kinesis-fanout-writer-stream-mapping"),
                ["aws:iam/rolePolicy:RolePolicy kinesis-fanout-writer-policy"],
            );
        });
    });

    describe("monitoring", () => {
        function alarm(suffix: string): Record<string, any> {
            return resourceOf(built, "aws:cloudwatch/metricAlarm:MetricAlarm", `kinesis-fanout-monitoring-${suffix}`).inputs;
        }

        it("alarms when the stream's iterator age exceeds the configured seconds", () => {
            const inputs = alarm("iterator-age");
            assert.deepEqual(
                [inputs.namespace, inputs.metricName, inputs.dimensions, inputs.statistic, inputs.comparisonOperator, inputs.threshold],
                ["AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", { StreamName: built.outputs.streamName }, "Maximum", "GreaterThanThreshold", settings.iteratorAgeAlarmSeconds * 1000],
            );
        });

        for (const [suffix, metricName] of [["writer-errors", "Errors"], ["writer-throttles", "Throttles"]]) {
            it(`alarms on any writer ${metricName.toLowerCase()}`, () => {
                const inputs = alarm(suffix);
                assert.deepEqual(
                    [inputs.namespace, inputs.metricName, inputs.dimensions, inputs.statistic, inputs.comparisonOperator, inputs.threshold],
                    ["AWS/Lambda", metricName, { FunctionName: built.outputs.writerFunctionName }, "Sum", "GreaterThanThreshold", 0],
                );
            });
        }

        it("alarms as soon as the dead-letter queue holds a message", () => {
            const inputs = alarm("dead-letters");
            const queueName = built.outputs.deadLetterQueueUrl.split("/").pop();
            assert.deepEqual(
                [inputs.namespace, inputs.metricName, inputs.dimensions, inputs.comparisonOperator, inputs.threshold],
                ["AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: queueName }, "GreaterThanThreshold", 0],
            );
        });

        it("alarms as soon as the writer's mapping sends records to its on-failure destination", () => {
            const inputs = alarm("failed-batches");
            assert.deepEqual(
                [inputs.namespace, inputs.metricName, inputs.dimensions, inputs.statistic, inputs.comparisonOperator, inputs.threshold],
                ["AWS/Lambda", "OnFailureDestinationDeliveredEventCount", { EventSourceMappingUUID: "kinesis-fanout-writer-stream-mapping-uuid" }, "Sum", "GreaterThanThreshold", 0],
            );
        });

        it("alarms when the handlers dead-letter any line, adding the splitter's and the writer's totals over every reason", () => {
            const inputs = alarm("lines-dead-lettered");
            assert.equal(inputs.namespace, undefined, "a metric math alarm names no single metric");
            assert.equal(inputs.period, undefined, "a metric math alarm's period is its queries'");
            assert.deepEqual([inputs.comparisonOperator, inputs.threshold, inputs.evaluationPeriods, inputs.treatMissingData], ["GreaterThanThreshold", 0, 1, "notBreaching"]);
            const queries = inputs.metricQueries as Array<Record<string, any>>;
            assert.deepEqual(
                queries.filter((query) => query.metric).map((query) => [query.id, query.metric.namespace, query.metric.metricName, query.metric.dimensions, query.metric.stat, query.metric.period, query.returnData]),
                [
                    ["splitter", "KinesisFanout", "LinesDeadLettered", { Pipeline: "kinesis-fanout-test", service: "kinesis-fanout-splitter" }, "Sum", 60, false],
                    ["writer", "KinesisFanout", "LinesDeadLettered", { Pipeline: "kinesis-fanout-test", service: "kinesis-fanout-writer" }, "Sum", 60, false],
                ],
            );
            assert.deepEqual(
                queries.filter((query) => query.expression).map((query) => [query.expression, query.returnData]),
                [["FILL(splitter, 0) + FILL(writer, 0)", true]],
            );
        });

        it("draws the dashboard for this stack's stream, functions and queue in its region", () => {
            const dashboard = resourceOf(built, "aws:cloudwatch/dashboard:Dashboard");
            assert.equal(dashboard.inputs.dashboardName, "kinesis-fanout-test");
            assert.deepEqual(
                JSON.parse(dashboard.inputs.dashboardBody),
                dashboardBody({
                    region: REGION,
                    streamName: built.outputs.streamName,
                    splitterFunctionName: built.outputs.splitterFunctionName,
                    writerFunctionName: built.outputs.writerFunctionName,
                    deadLetterQueueName: built.outputs.deadLetterQueueUrl.split("/").pop()!,
                    pipelineName: "kinesis-fanout-test",
                    eventSourceMappingUuid: "kinesis-fanout-writer-stream-mapping-uuid",
                }),
            );
        });
    });

    describe("index.ts", () => {
        it("loads as the Pulumi program, reads the stack config and exports every output", async () => {
            const loaded = await loadIndexProgram({ "aws:region": "ap-northeast-1", "kinesis-fanout:batchSize": "250" });
            assert.deepEqual(Object.keys(loaded.outputs).sort(), [...OUTPUT_NAMES].sort());
            assert.match(loaded.outputs.dashboardUrl, /region=ap-northeast-1#dashboards:name=kinesis-fanout-test$/);
            const mapping = loaded.resources.find((resource) => resource.type === "aws:lambda/eventSourceMapping:EventSourceMapping");
            assert.equal(mapping?.inputs.batchSize, 250);
        });
    });
});
