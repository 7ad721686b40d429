import { functionOfService, METRIC_DIMENSION, METRICS_NAMESPACE, type HandlerMetric, type MetricFunction } from "../../handlers/shared/metric-names";

/**
 * Reads the handlers' metrics back from the sandboxes' stdout, as CloudWatch Logs does on AWS: a
 * line that is a JSON object with `_aws.CloudWatchMetrics` is an Embedded Metric Format document
 * (CloudWatch's "Specification: Embedded metric format"), and each metric it declares becomes one
 * data point per dimension set, its value the root member of the same name (a number, or an
 * array of numbers, which EMF allows). Every other line is ordinary log output and is skipped.
 */

/** One data point of an EMF document: a metric under one of its dimension sets. */
export interface EmfDatum {
    namespace: string;
    metric: string;
    dimensions: Record<string, string>;
    value: number;
}

/** The data points of one stdout line; none when the line is not an EMF document. */
export function emfData(line: string): EmfDatum[] {
    const text = line.trim();
    if (!text.startsWith("{") || !text.includes('"_aws"')) return [];
    let document: Record<string, unknown>;
    try {
        document = JSON.parse(text);
    } catch {
        return [];
    }
    const directives = (document?._aws as { CloudWatchMetrics?: unknown } | undefined)?.CloudWatchMetrics;
    if (!Array.isArray(directives)) return [];
    const data: EmfDatum[] = [];
    for (const directive of directives) {
        const namespace = String(directive?.Namespace ?? "");
        const dimensionSets: unknown[][] = Array.isArray(directive?.Dimensions) && directive.Dimensions.length > 0 ? directive.Dimensions : [[]];
        for (const definition of Array.isArray(directive?.Metrics) ? directive.Metrics : []) {
            const metric = String(definition?.Name ?? "");
            const value = sumOf(document[metric]);
            if (value === undefined) continue;
            for (const set of dimensionSets) {
                const dimensions = Object.fromEntries((Array.isArray(set) ? set : []).map((name) => [String(name), String(document[String(name)] ?? "")]));
                data.push({ namespace, metric, dimensions, value });
            }
        }
    }
    return data;
}

function sumOf(value: unknown): number | undefined {
    if (typeof value === "number" && Number.isFinite(value)) return value;
    if (Array.isArray(value) && value.every((item) => typeof item === "number")) return value.reduce((sum, item) => sum + item, 0);
    return undefined;
}

/** The handlers' metrics summed over a run, as a CloudWatch query with the Sum statistic would give them. */
export interface HandlerMetricTotals {
    /** EMF documents of the handlers' namespace that were read. */
    documents: number;
    /** Per function (its `service` dimension), each metric's series without a `Reason`. */
    byFunction: Record<MetricFunction, Partial<Record<HandlerMetric, number>>>;
    /** Per metric, its series with a `Reason` dimension, by reason, both functions together. */
    byReason: Partial<Record<HandlerMetric, Record<string, number>>>;
}

export interface EmfCollector {
    /** A chunk of a sandbox's stdout or stderr (the function pool's log tap). */
    write(logStreamName: string, text: string): void;
    totals(): HandlerMetricTotals;
}

/** Longest partial line kept while waiting for its end; a longer one is no EMF document of ours. */
const MAX_PARTIAL_LINE = 1024 * 1024;

/** Sums the handlers' EMF documents out of the sandboxes' output, whole lines at a time per log stream. */
export function createEmfCollector(namespace: string = METRICS_NAMESPACE): EmfCollector {
    const partial = new Map<string, string>();
    const totals: HandlerMetricTotals = { documents: 0, byFunction: { splitter: {}, writer: {} }, byReason: {} };
    const take = (line: string) => {
        const data = emfData(line).filter((datum) => datum.namespace === namespace);
        if (data.length > 0) totals.documents++;
        for (const datum of data) add(totals, datum);
    };
    return {
        write(logStreamName, text) {
            const lines = ((partial.get(logStreamName) ?? "") + text).split("\n");
            const rest = lines.pop() ?? "";
            partial.set(logStreamName, rest.length > MAX_PARTIAL_LINE ? "" : rest);
            for (const line of lines) take(line);
        },
        totals: () => structuredClone(totals),
    };
}

function add(totals: HandlerMetricTotals, datum: EmfDatum): void {
    const metric = datum.metric as HandlerMetric;
    const reason = datum.dimensions[METRIC_DIMENSION.reason];
    if (reason !== undefined) {
        const byReason = (totals.byReason[metric] ??= {});
        byReason[reason] = (byReason[reason] ?? 0) + datum.value;
        return;
    }
    const fn = functionOfService(datum.dimensions[METRIC_DIMENSION.service]);
    if (!fn) return;
    totals.byFunction[fn][metric] = (totals.byFunction[fn][metric] ?? 0) + datum.value;
}
