/**
 * The counts the two handlers publish as CloudWatch metrics (Embedded Metric Format, through
 * `@aws-lambda-powertools/metrics`): one table that the handlers, the dashboard, the alarms and the
 * embedded runtime's EMF parser all read, so a name can't drift between them. No imports: the
 * Pulumi components and the runtime use it without loading Powertools.
 *
 * Every metric is a Count in the namespace `KinesisFanout`, with the dimensions `Pipeline` (the
 * stack's pipeline, `kinesis-fanout-<stack>`) and `service` (the function). `LinesDeadLettered` is
 * published twice per invocation: once with those two dimensions (the total the alarm watches)
 * and once more per reason, with `Reason` added (what the dashboard breaks down).
 */

export const METRICS_NAMESPACE = "KinesisFanout";

export const METRIC_DIMENSION = { pipeline: "Pipeline", service: "service", reason: "Reason" } as const;

/** The `service` dimension of each function (also its POWERTOOLS_SERVICE_NAME, so logs and metrics agree). */
export const METRIC_SERVICE = { splitter: "kinesis-fanout-splitter", writer: "kinesis-fanout-writer" } as const;
export type MetricFunction = keyof typeof METRIC_SERVICE;

export const HANDLER_METRICS = {
    LinesSplit: { functions: ["splitter"], what: "lines an invocation read and accounted for: records, blank lines and lines dead-lettered (a chain's invocations add up to the file's lines)" },
    RecordsPut: { functions: ["splitter"], what: "records Kinesis acknowledged" },
    RecordsRetried: { functions: ["splitter"], what: "PutRecords entries sent again after they failed inside a 200 response" },
    HandOffs: { functions: ["splitter"], what: "continuations invoked: the rest of a file handed to a new invocation" },
    ChainsCapped: { functions: ["splitter"], what: "chains stopped at `splitterMaxChainInvocations`, their checkpoint dead-lettered" },
    ObjectsWritten: { functions: ["writer"], what: "PutObject calls that succeeded" },
    RecordsFailed: { functions: ["writer"], what: "records that failed and were reported for retry (batch item failures, or every record of a batch that failed whole)" },
    LinesDeadLettered: { functions: ["splitter", "writer"], what: "lines sent to the dead-letter queue; also published per `Reason`" },
} as const;

export type HandlerMetric = keyof typeof HANDLER_METRICS;

/** The metric names, in the table's order. */
export const HANDLER_METRIC_NAMES = Object.keys(HANDLER_METRICS) as HandlerMetric[];

/** The metrics one function publishes, in the table's order. */
export function metricsOf(fn: MetricFunction): HandlerMetric[] {
    return HANDLER_METRIC_NAMES.filter((name) => (HANDLER_METRICS[name].functions as readonly string[]).includes(fn));
}

/** The function whose `service` dimension this is; undefined for another service. */
export function functionOfService(service: unknown): MetricFunction | undefined {
    return (Object.keys(METRIC_SERVICE) as MetricFunction[]).find((fn) => METRIC_SERVICE[fn] === service);
}

/**
 * The name of a stack's pipeline: the `Pipeline` dimension's value, and the dashboard's name, so
 * the Pulumi program and the embedded runtime name it alike. CloudWatch (PutDashboard,
 * DashboardName): "The maximum length is 255, and valid characters are A-Z, a-z, 0-9, "-", and
 * "_"." Stack names may also hold `.`, so every other character becomes `-`.
 */
export function pipelineNameFor(pipeline: string, stack: string): string {
    return `${pipeline}-${stack}`.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 255);
}
