import type { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { ENV } from "./environment";
import { METRIC_DIMENSION, METRIC_SERVICE, METRICS_NAMESPACE, metricsOf, type HandlerMetric, type MetricFunction } from "./metric-names";

/**
 * How a handler counts what one invocation did and publishes it: a tally the per-record code adds
 * to as things happen (pure, no I/O), and one publish in the handler's `finally`, so a failing
 * invocation still publishes what it did before it failed. Publishing writes EMF documents to
 * stdout (CloudWatch Logs turns them into metrics; no IAM permission is needed).
 *
 * Closures rather than classes: Pulumi's closure serializer drops class field initializers.
 */
export interface MetricTally {
    add(metric: HandlerMetric, count?: number): void;
    /** One line dead-lettered: counts LinesDeadLettered, in total and for its reason. */
    deadLettered(reason: string): void;
    counts(): { totals: Partial<Record<HandlerMetric, number>>; deadLetteredByReason: Record<string, number> };
}

export function createMetricTally(): MetricTally {
    const totals: Partial<Record<HandlerMetric, number>> = {};
    const byReason: Record<string, number> = {};
    const add = (metric: HandlerMetric, count = 1) => {
        totals[metric] = (totals[metric] ?? 0) + count;
    };
    return {
        add,
        deadLettered(reason) {
            add("LinesDeadLettered");
            byReason[reason] = (byReason[reason] ?? 0) + 1;
        },
        counts: () => ({ totals: { ...totals }, deadLetteredByReason: { ...byReason } }),
    };
}

/**
 * The function's Metrics, made once per sandbox: namespace from POWERTOOLS_METRICS_NAMESPACE
 * (KinesisFanout when unset), `service` the function, and `Pipeline` from PIPELINE_NAME when set.
 * Powertools' own warnings go through the function's logger.
 */
export function createHandlerMetrics(fn: MetricFunction, env: NodeJS.ProcessEnv, logger: Logger): Metrics {
    const pipeline = env[ENV.pipelineName];
    return new Metrics({
        namespace: env[ENV.metricsNamespace] || METRICS_NAMESPACE,
        serviceName: METRIC_SERVICE[fn],
        ...(pipeline ? { defaultDimensions: { [METRIC_DIMENSION.pipeline]: pipeline } } : {}),
        logger,
    });
}

/**
 * Publishes one invocation's tally: one EMF document with every metric of the function (zeros
 * included, so each series has a point per invocation and Powertools never warns of an empty
 * flush), then one document per dead-letter reason with the `Reason` dimension. A failure to
 * publish is logged, never thrown: it must not replace the invocation's own outcome.
 */
export function publishTally(metrics: Metrics, fn: MetricFunction, tally: MetricTally, logger: Logger): void {
    try {
        const { totals, deadLetteredByReason } = tally.counts();
        for (const metric of metricsOf(fn)) metrics.addMetric(metric, MetricUnit.Count, totals[metric] ?? 0);
        metrics.publishStoredMetrics();
        for (const [reason, count] of Object.entries(deadLetteredByReason)) {
            metrics.singleMetric().addDimension(METRIC_DIMENSION.reason, reason).addMetric("LinesDeadLettered", MetricUnit.Count, count);
        }
    } catch (error) {
        logger.error("metrics not published", { error: (error as Error).name, detail: (error as Error).message });
    }
}
