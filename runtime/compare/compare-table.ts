import Table from "cli-table3";
import { SETTING_KEYS, type SettingKey } from "../../settings/definitions";
import { retriedEntries } from "../pipeline/run-report";
import type { Comparison, StackComparison } from "./compare-stacks";

/**
 * The side-by-side table of a comparison, as rows of text: the settings that differ between the
 * stacks, then what each run measured, then what the planner predicts for AWS.
 */
const n = (value: number, digits = 0) => value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function differingSettings(stacks: StackComparison[]): SettingKey[] {
    return SETTING_KEYS.filter((key) => new Set(stacks.map((stack) => JSON.stringify(stack.settings[key]))).size > 1);
}

export function comparisonRows(comparison: Comparison): string[][] {
    const { stacks } = comparison;
    const row = (label: string, cell: (stack: StackComparison) => string) => [label, ...stacks.map(cell)];
    const measured = comparison.awsProfile ? "under the AWS profile" : "at local speed";
    const differing = differingSettings(stacks);
    return [
        ["", ...stacks.map((stack) => stack.stack)],
        ...differing.map((key) => row(key, (stack) => String(stack.settings[key]))),
        row(`seconds (${measured})`, (stack) => n(stack.run.seconds.pipeline, 1)),
        row("records/s", (stack) => n(stack.run.recordsPerSecond)),
        row("writer invocations", (stack) => n(stack.run.invocations.writer)),
        row("mean batch size", (stack) => n(stack.run.mapping.meanBatchSize)),
        row("throttled put entries", (stack) => n(stack.run.awsProfile?.stats.kinesis.throttledPutEntries ?? 0)),
        row("splitter retried entries", (stack) => n(retriedEntries(stack.run))),
        row("mapping retries", (stack) => n(stack.run.mapping.retries)),
        row("max iterator age (ms)", (stack) => n(stack.run.maxIteratorAgeMs)),
        row("dead-lettered", (stack) => n(stack.run.output.deadLettered)),
        row("verified", (stack) => (stack.run.output.verified ? "yes" : "NO")),
        row("planned on AWS: seconds", (stack) => n(stack.prediction.seconds, 1)),
        row("planned on AWS: records/s", (stack) => n(stack.prediction.recordsPerSecond)),
        row("planned bottleneck", (stack) => stack.prediction.bottleneck),
        row(`monthly cost at ${n(comparison.recordsPerDay)} records/day`, (stack) => `$${n(stack.cost.monthlyUsd, 2)} (${stack.cost.region})`),
    ];
}

export function formatComparisonTable(comparison: Comparison): string {
    const [header, ...rows] = comparisonRows(comparison);
    const table = new Table({ head: header, style: { head: [], border: [] }, colAligns: ["left", ...header.slice(1).map(() => "right" as const)] });
    for (const row of rows) table.push(row);
    return table.toString();
}
