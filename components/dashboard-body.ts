import { METRIC_DIMENSION, METRIC_SERVICE, METRICS_NAMESPACE, type HandlerMetric, type MetricFunction } from "../handlers/shared/metric-names";

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
    /** The `Pipeline` dimension of the handlers' own metrics (handlers/shared/metric-names.ts). */
    pipelineName: string;
    /** The writer's event source mapping, whose EventCount metrics are graphed; absent: no such graph. */
    eventSourceMappingUuid?: string;
}

/** A graphed metric (namespace, name, dimension pairs, options), or a metric math expression such as SEARCH. */
type Metric = [string, string, ...(string | Record<string, string>)[]] | [{ expression: string; label: string; id: string }];

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
 * Graphs of one minute per point: what comes in (records and bytes), how far the writer lags
 * (iterator age), how long it takes and how many run at once, and where capacity runs out
 * (throttles, throughput exceeded, dead letters); then the handlers' own counts (lines split
 * against objects written, lines dead-lettered by reason, hand-offs and retries) and the writer
 * mapping's EventCount metrics.
 */
export function dashboardBody(names: DashboardNames): DashboardBody {
    const stream = ["StreamName", names.streamName] as const;
    const writer = ["FunctionName", names.writerFunctionName] as const;
    const splitter = ["FunctionName", names.splitterFunctionName] as const;
    const counted = (fn: MetricFunction, metric: HandlerMetric, label: string): Metric => [
        METRICS_NAMESPACE,
        metric,
        METRIC_DIMENSION.pipeline,
        names.pipelineName,
        METRIC_DIMENSION.service,
        METRIC_SERVICE[fn],
        { label },
    ];
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
            widget(5, "Lines split, records put, objects written", "Sum", [
                counted("splitter", "LinesSplit", "lines split"),
                counted("splitter", "RecordsPut", "records put"),
                counted("writer", "ObjectsWritten", "objects written"),
            ]),
            widget(6, "Lines dead-lettered, by reason", "Sum", [
                [{ expression: reasonSearch(names.pipelineName), label: "", id: "reasons" }],
                counted("splitter", "LinesDeadLettered", "splitter, all reasons"),
                counted("writer", "LinesDeadLettered", "writer, all reasons"),
            ]),
            widget(7, "Hand-offs, retried and failed records", "Sum", [
                counted("splitter", "HandOffs", "splitter hand-offs"),
                counted("splitter", "ChainsCapped", "chains capped"),
                counted("splitter", "RecordsRetried", "PutRecords entries retried"),
                counted("writer", "RecordsFailed", "writer records failed"),
            ]),
            ...(names.eventSourceMappingUuid ? [widget(8, "Writer mapping events (EventCount metrics)", "Sum", mappingEvents(names.eventSourceMappingUuid))] : []),
        ],
    };
}

/**
 * Every `Reason` series of LinesDeadLettered of this pipeline, whichever reasons occurred. A
 * SEARCH may be graphed but not alarmed on (CloudWatch, "Use search expressions in graphs"), so
 * the alarm watches the series without `Reason` instead.
 */
function reasonSearch(pipelineName: string): string {
    const { pipeline, reason, service } = METRIC_DIMENSION;
    const metric: HandlerMetric = "LinesDeadLettered";
    return `SEARCH('{${METRICS_NAMESPACE},${pipeline},${reason},${service}} MetricName="${metric}" ${pipeline}="${pipelineName}"', 'Sum', 60)`;
}

/**
 * The mapping's own metrics, from its MetricsConfig `EventCount`, in AWS/Lambda by
 * EventSourceMappingUUID (Lambda developer guide, "Types of metrics for Lambda functions", event
 * source mapping metrics; "Viewing metrics for Lambda functions", the EventSourceMappingUUID dimension).
 */
function mappingEvents(uuid: string): Metric[] {
    const metrics = ["PolledEventCount", "InvokedEventCount", "FailedInvokeEventCount", "DroppedEventCount", "OnFailureDestinationDeliveredEventCount"];
    return metrics.map((metric): Metric => ["AWS/Lambda", metric, "EventSourceMappingUUID", uuid, { label: metric }]);
}
