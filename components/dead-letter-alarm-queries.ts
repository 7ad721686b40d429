import { METRIC_DIMENSION, METRIC_SERVICE, METRICS_NAMESPACE, type HandlerMetric, type MetricFunction } from "../handlers/shared/metric-names";

/**
 * What the `lines-dead-lettered` alarm watches, as a pure function of the pipeline's name: the
 * handlers' LinesDeadLettered series without `Reason` (one per function, which is every reason
 * together), added up with metric math. An alarm can't use SEARCH ("You can't create an alarm
 * based on the SEARCH expression", CloudWatch user guide, "Use search expressions in graphs"),
 * hence the per-function totals the handlers publish besides the per-reason series. FILL(m, 0)
 * (CloudWatch, "Using math expressions with CloudWatch metrics") gives a function that did not run
 * in a minute a 0 there, so a minute in which only the other one ran still adds up (not checked on
 * AWS here: what a plain m1 + m2 does with a missing point was not found in the documentation).
 */

/** One entry of a MetricAlarm's `metricQueries`. */
export interface AlarmMetricQuery {
    id: string;
    expression?: string;
    label?: string;
    returnData: boolean;
    metric?: { namespace: string; metricName: string; dimensions: Record<string, string>; period: number; stat: string };
}

export const DEAD_LETTER_ALARM_PERIOD_SECONDS = 60;

export function linesDeadLetteredQueries(pipelineName: string): AlarmMetricQuery[] {
    const metricName: HandlerMetric = "LinesDeadLettered";
    const of = (fn: MetricFunction): AlarmMetricQuery => ({
        id: fn,
        returnData: false,
        metric: {
            namespace: METRICS_NAMESPACE,
            metricName,
            dimensions: { [METRIC_DIMENSION.pipeline]: pipelineName, [METRIC_DIMENSION.service]: METRIC_SERVICE[fn] },
            period: DEAD_LETTER_ALARM_PERIOD_SECONDS,
            stat: "Sum",
        },
    });
    return [
        of("splitter"),
        of("writer"),
        { id: "lines", expression: "FILL(splitter, 0) + FILL(writer, 0)", label: "lines dead-lettered, every reason", returnData: true },
    ];
}
