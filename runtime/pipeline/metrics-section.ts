import { isDeepStrictEqual } from "node:util";
import { metricsOf, type HandlerMetric, type MetricFunction } from "../../handlers/shared/metric-names";
import type { HandlerMetricTotals } from "../lambda/emf-metrics";

/**
 * The run report's `metrics`: what the handlers' EMF documents add up to over the run (the counts
 * CloudWatch would show for it), set against the run's own ledger, so the local summary and
 * CloudWatch tell the same story or the summary says plainly where they don't.
 *
 * The handlers count work done: a batch retried, redelivered or bisected is counted again each
 * time it runs, while the run's ledger counts each line once. So the two can only be equal when
 * nothing was repeated; when something was, the section names it beside the difference.
 */
export interface MetricsCheck {
    metric: HandlerMetric;
    /** What the handlers published, summed over the run. */
    published: number;
    /** The run's own count of the same thing. */
    counted: number;
    /** What `counted` is: "input lines", "objects verified", ... */
    what: string;
    agrees: boolean;
    /** Why it does not agree, beyond the two figures (a reason's count, say). */
    detail?: string;
}

export interface MetricsSection extends HandlerMetricTotals {
    checks: MetricsCheck[];
    /** Every check agrees (and there were EMF documents to check). */
    agree: boolean;
    /** What the run did more than once, which the handlers count again each time; empty when nothing was. */
    repeatedWork: string[];
}

/** The run's own counts the metrics are checked against. */
export interface OwnCounts {
    /** Every line of the input, blank ones included: what the splitter's invocations read between them. */
    inputLines: number;
    objectsVerified: number;
    /** Lines a handler dead-lettered, by reason, each line once (batches the mapping gave up on are not among them). */
    deadLettersVerified: Record<string, number>;
}

export function metricsSection(totals: HandlerMetricTotals, own: OwnCounts, repeatedWork: string[]): MetricsSection {
    const published = (fn: MetricFunction, metric: HandlerMetric) => totals.byFunction[fn][metric] ?? 0;
    const check = (metric: HandlerMetric, value: number, counted: number, what: string, detail?: string): MetricsCheck => ({
        metric,
        published: value,
        counted,
        what,
        agrees: value === counted && detail === undefined,
        ...(detail ? { detail } : {}),
    });
    const byReason = totals.byReason.LinesDeadLettered ?? {};
    const deadLettered = published("splitter", "LinesDeadLettered") + published("writer", "LinesDeadLettered");
    const checks = [
        check("LinesSplit", published("splitter", "LinesSplit"), own.inputLines, "input lines"),
        check("ObjectsWritten", published("writer", "ObjectsWritten"), own.objectsVerified, "objects verified"),
        check("LinesDeadLettered", deadLettered, sum(own.deadLettersVerified), "dead letters verified", reasonsDiffer(byReason, own.deadLettersVerified)),
    ];
    return { ...totals, checks, agree: totals.documents > 0 && checks.every((c) => c.agrees), repeatedWork };
}

function reasonsDiffer(published: Record<string, number>, counted: Record<string, number>): string | undefined {
    if (isDeepStrictEqual(published, counted)) return undefined;
    return `by reason ${formatReasons(published)} against ${formatReasons(counted)}`;
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((total, count) => total + count, 0);
const n = (value: number) => value.toLocaleString("en-US");
const formatReasons = (counts: Record<string, number>) => (Object.keys(counts).length ? Object.entries(counts).map(([reason, count]) => `${reason} ${n(count)}`).join(", ") : "none");

/** What a run did more than once, from its report's own figures. */
export function repeatedWorkOf(report: {
    functionErrors: { splitter: number; writer: number };
    mapping: { retries: number; bisections: number };
    output: { superseded: number };
    faults?: { redeliveries: number; writerCrashes: number; asyncDuplicates: number };
    restart?: { uploadSkipped: boolean; splitRedelivered: boolean };
}): string[] {
    const causes: Array<[number, string]> = [
        [report.functionErrors.splitter, "splitter invocations failed and retried"],
        [report.functionErrors.writer, "writer invocations failed and retried"],
        [report.mapping.retries, "mapping retries"],
        [report.mapping.bisections, "bisections"],
        [report.faults?.redeliveries ?? 0, "batches delivered twice"],
        [report.faults?.writerCrashes ?? 0, "writer sandboxes killed mid-batch (their own counts are lost)"],
        [report.faults?.asyncDuplicates ?? 0, "asynchronous events delivered twice"],
        [report.output.superseded, "lines superseded by a later line with the same id"],
        [report.restart?.uploadSkipped ? 1 : 0, "a resumed run (what the earlier run did was published then)"],
    ];
    return causes.filter(([count]) => count > 0).map(([count, what]) => (what.startsWith("a resumed") ? what : `${what}: ${n(count)}`));
}

/** The summary's lines about the metrics: what the handlers published, and whether it agrees with the run. */
export function formatMetricsLines(section: MetricsSection): string[] {
    if (section.documents === 0) return ["  metrics      none: the functions printed no EMF document (the project's handlers publish one per invocation)"];
    const of = (fn: MetricFunction) => metricsOf(fn).map((metric) => `${metric} ${n(section.byFunction[fn][metric] ?? 0)}`).join(", ");
    const reasons = section.byReason.LinesDeadLettered ?? {};
    const lines = [
        `  metrics      from the handlers' EMF logs (${n(section.documents)} documents): splitter ${of("splitter")}`,
        `               writer ${of("writer")}${Object.keys(reasons).length ? `; dead-lettered by reason ${formatReasons(reasons)}` : ""}`,
    ];
    const figures = section.checks.map((c) => `${c.metric} ${n(c.published)} ${c.agrees ? "=" : "≠"} ${n(c.counted)} ${c.what}${c.detail ? ` (${c.detail})` : ""}`).join(", ");
    if (section.agree) {
        lines.push(`  cross-check  the metrics agree with the run's own counts: ${figures}`);
    } else {
        const why = section.repeatedWork.length
            ? `the run repeated work, which the handlers count again each time: ${section.repeatedWork.join(", ")}`
            : "nothing the run repeated explains it";
        lines.push(`  cross-check  the metrics DISAGREE with the run's own counts: ${figures}; ${why}`);
    }
    return lines;
}
