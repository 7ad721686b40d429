import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { dashboardBody, dashboardUrl } from "./dashboard-body";
import { linesDeadLetteredQueries, type AlarmMetricQuery } from "./dead-letter-alarm-queries";

export interface PipelineMonitoringArgs {
    streamName: pulumi.Input<string>;
    splitterFunctionName: pulumi.Input<string>;
    writerFunctionName: pulumi.Input<string>;
    deadLetterQueueName: pulumi.Input<string>;
    /**
     * The `Pipeline` dimension of the handlers' own metrics (namespace `KinesisFanout`), as the
     * functions' PIPELINE_NAME sets it: what the dead-lettered-lines alarm and the dashboard's
     * graphs of those metrics select.
     */
    pipelineName: string;
    /**
     * UUID of the writer's event source mapping (its metrics config must include `EventCount`):
     * alarms when the mapping delivers records to its on-failure destination, which the queue's
     * alarm does not see when the destination is the failure bucket, and graphs the mapping's
     * event counts. The metric is `OnFailureDestinationDeliveredEventCount` in `AWS/Lambda`, by the
     * `EventSourceMappingUUID` dimension: Lambda developer guide, "Types of metrics for Lambda
     * functions" (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html#event-source-mapping-metrics:
     * "the number of events sent to that destination", EventCount group, Kinesis: yes) and
     * "Viewing metrics for Lambda functions" (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-view.html:
     * "By Event Source Mapping UUID (EventSourceMappingUUID) – View metrics for an event source mapping").
     * @default undefined (no such alarm or graph)
     */
    eventSourceMappingUuid?: pulumi.Input<string>;
    /** Alarm when the stream's oldest unread record is older than this, in seconds. The stack's `kinesis-fanout:iteratorAgeAlarmSeconds`. */
    iteratorAgeAlarmSeconds: number;
    /**
     * Name of the dashboard: 1 to 255 letters, digits, `-` and `_`, unique in the account and
     * region.
     * @default "<name>-<stack>"
     */
    dashboardName?: string;
    /**
     * ARNs (an SNS topic, for example) notified when an alarm fires.
     * @default [] (alarms only change state)
     */
    alarmActions?: pulumi.Input<string>[];
}

/**
 * Six alarms (writer lag, writer errors, writer throttles, anything on the dead-letter queue,
 * lines the handlers dead-lettered, batches sent to the mapping's on-failure destination) and a
 * dashboard. Every alarm looks at one-minute points; missing data (no traffic) is not a breach.
 */
export class PipelineMonitoring extends pulumi.ComponentResource {
    readonly dashboardName: pulumi.Output<string>;
    readonly dashboardUrl: pulumi.Output<string>;
    readonly alarms: aws.cloudwatch.MetricAlarm[];

    constructor(name: string, args: PipelineMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kinesis-fanout:monitoring:PipelineMonitoring", name, {}, opts);
        const parent = { parent: this };
        this.alarms = createAlarms(name, args, parent);
        const region = aws.getRegionOutput({}, parent).region;
        const dashboard = createDashboard(name, args, region, parent);

        this.dashboardName = dashboard.dashboardName;
        this.dashboardUrl = pulumi.all([region, dashboard.dashboardName]).apply(([regionName, dashboardName]) =>
            dashboardUrl(regionName, dashboardName),
        );
        this.registerOutputs({ dashboardName: this.dashboardName, dashboardUrl: this.dashboardUrl });
    }
}

/** One alarm: its name suffix, and what it watches; each fires on one one-minute point over its threshold. */
type AlarmSpec = {
    suffix: string;
    alarmDescription: string;
    /** Default 0: anything at all. */
    threshold?: number;
} & (
    | { namespace: string; metricName: string; dimensions: Record<string, pulumi.Input<string>>; statistic: "Maximum" | "Sum" }
    /** Metric math: the period is each query's own. */
    | { metricQueries: AlarmMetricQuery[] }
);

function alarmSpecs(args: PipelineMonitoringArgs): AlarmSpec[] {
    const iteratorAgeSeconds = args.iteratorAgeAlarmSeconds;
    const specs: AlarmSpec[] = [
        {
            suffix: "iterator-age",
            alarmDescription: `The writer is more than ${iteratorAgeSeconds} s behind the stream.`,
            namespace: "AWS/Kinesis",
            metricName: "GetRecords.IteratorAgeMilliseconds",
            dimensions: { StreamName: args.streamName },
            statistic: "Maximum",
            threshold: iteratorAgeSeconds * 1000,
        },
        {
            suffix: "writer-errors",
            alarmDescription: "The writer failed whole invocations (a thrown error or a timeout).",
            namespace: "AWS/Lambda",
            metricName: "Errors",
            dimensions: { FunctionName: args.writerFunctionName },
            statistic: "Sum",
        },
        {
            suffix: "writer-throttles",
            alarmDescription: "Writer invocations were throttled (concurrency limit reached).",
            namespace: "AWS/Lambda",
            metricName: "Throttles",
            dimensions: { FunctionName: args.writerFunctionName },
            statistic: "Sum",
        },
        {
            suffix: "dead-letters",
            alarmDescription: "The dead-letter queue holds messages: lines or batches that could not be written.",
            namespace: "AWS/SQS",
            metricName: "ApproximateNumberOfMessagesVisible",
            dimensions: { QueueName: args.deadLetterQueueName },
            statistic: "Maximum",
        },
        {
            suffix: "lines-dead-lettered",
            alarmDescription: "The splitter or the writer dead-lettered lines (any reason: invalid-json, unsafe-id, line-too-large, ...) in the last minute.",
            metricQueries: linesDeadLetteredQueries(args.pipelineName),
        },
    ];
    if (args.eventSourceMappingUuid) {
        specs.push({
            suffix: "failed-batches",
            alarmDescription: "The writer's event source mapping gave up on batches and sent them to its on-failure destination.",
            namespace: "AWS/Lambda",
            metricName: "OnFailureDestinationDeliveredEventCount",
            dimensions: { EventSourceMappingUUID: args.eventSourceMappingUuid },
            statistic: "Sum",
        });
    }
    return specs;
}

function createAlarms(name: string, args: PipelineMonitoringArgs, opts: pulumi.ComponentResourceOptions): aws.cloudwatch.MetricAlarm[] {
    const alarmActions = args.alarmActions ?? [];
    return alarmSpecs(args).map(
        ({ suffix, threshold, ...watched }) =>
            new aws.cloudwatch.MetricAlarm(
                `${name}-${suffix}`,
                {
                    ...("metricQueries" in watched ? {} : { period: 60 }),
                    treatMissingData: "notBreaching",
                    alarmActions,
                    okActions: alarmActions,
                    comparisonOperator: "GreaterThanThreshold",
                    threshold: threshold ?? 0,
                    evaluationPeriods: 1,
                    ...watched,
                },
                opts,
            ),
    );
}

function createDashboard(name: string, args: PipelineMonitoringArgs, region: pulumi.Output<string>, opts: pulumi.ComponentResourceOptions): aws.cloudwatch.Dashboard {
    return new aws.cloudwatch.Dashboard(
        name,
        {
            dashboardName: args.dashboardName ?? `${name}-${pulumi.getStack()}`,
            dashboardBody: pulumi
                .all([region, args.streamName, args.splitterFunctionName, args.writerFunctionName, args.deadLetterQueueName, args.eventSourceMappingUuid])
                .apply(([regionName, streamName, splitterFunctionName, writerFunctionName, deadLetterQueueName, eventSourceMappingUuid]) =>
                    JSON.stringify(
                        dashboardBody({
                            region: regionName,
                            streamName,
                            splitterFunctionName,
                            writerFunctionName,
                            deadLetterQueueName,
                            pipelineName: args.pipelineName,
                            ...(eventSourceMappingUuid ? { eventSourceMappingUuid } : {}),
                        }),
                    ),
                ),
        },
        opts,
    );
}
