/**
 * The CloudWatch dashboard of the pipeline, as a pure function of resolved names. No Pulumi import:
 * the monitoring component resolves the names and serializes this, and tests call it directly.
 */

export interface DashboardNames {
    region: string;
    streamName: string;
    splitterFunctionName: string;
    writerFunctionName: string;
    deadLetterQueueName: string;
}

type Metric = [string, string, ...(string | Record<string, string>)[]];

interface MetricWidget {
    type: "metric";
    x: number;
    y: number;
    width: number;
    height: number;
    properties: {
        title: string;
        region: string;
        metrics: Metric[];
        view: "timeSeries";
        stat: string;
        period: number;
    };
}

export interface DashboardBody {
    widgets: MetricWidget[];
}

/** The console address of a dashboard. */
export function dashboardUrl(region: string, dashboardName: string): string {
    return `https://console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${dashboardName}`;
}

/**
 * Five graphs, one minute per point: what comes in (records and bytes), how far the writer lags
 * (iterator age), how long it takes and how many run at once, and where capacity runs out
 * (throttles, throughput exceeded, dead letters).
 */
export function dashboardBody(names: DashboardNames): DashboardBody {
    const stream = ["StreamName", names.streamName] as const;
    const writer = ["FunctionName", names.writerFunctionName] as const;
    const splitter = ["FunctionName", names.splitterFunctionName] as const;
    const widget = (index: number, title: string, stat: string, metrics: Metric[]): MetricWidget => ({
        type: "metric",
        x: (index % 2) * 12,
        y: Math.floor(index / 2) * 6,
        width: 12,
        height: 6,
        properties: { title, region: names.region, metrics, view: "timeSeries", stat, period: 60 },
    });
    return {
        widgets: [
            widget(0, "Incoming records and bytes", "Sum", [
                ["AWS/Kinesis", "IncomingRecords", ...stream, { label: "records" }],
                ["AWS/Kinesis", "IncomingBytes", ...stream, { label: "bytes", yAxis: "right" }],
            ]),
            widget(1, "Iterator age (ms)", "Maximum", [
                ["AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", ...stream, { label: "stream" }],
                ["AWS/Lambda", "IteratorAge", ...writer, { label: "writer" }],
            ]),
            widget(2, "Writer duration (ms)", "Average", [
                ["AWS/Lambda", "Duration", ...writer, { label: "average" }],
                ["AWS/Lambda", "Duration", ...writer, { label: "maximum", stat: "Maximum" }],
            ]),
            widget(3, "Writer concurrent executions", "Maximum", [
                ["AWS/Lambda", "ConcurrentExecutions", ...writer, { label: "writer" }],
            ]),
            widget(4, "Throttles and dead letters", "Sum", [
                ["AWS/Lambda", "Throttles", ...writer, { label: "writer throttles" }],
                ["AWS/Lambda", "Throttles", ...splitter, { label: "splitter throttles" }],
                ["AWS/Kinesis", "WriteProvisionedThroughputExceeded", ...stream, { label: "write throughput exceeded" }],
                ["AWS/Kinesis", "ReadProvisionedThroughputExceeded", ...stream, { label: "read throughput exceeded" }],
                [
                    "AWS/SQS",
                    "ApproximateNumberOfMessagesVisible",
                    "QueueName",
                    names.deadLetterQueueName,
                    { label: "dead letters", stat: "Maximum", yAxis: "right" },
                ],
            ]),
        ],
    };
}

/**
 * The dashboard's name for a pipeline and stack. CloudWatch (PutDashboard, DashboardName): "The
 * maximum length is 255, and valid characters are A-Z, a-z, 0-9, "-", and "_"." Stack names may
 * also hold `.`, so every other character becomes `-`.
 */
export function dashboardNameFor(pipelineName: string, stack: string): string {
    return `${pipelineName}-${stack}`.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 255);
}
