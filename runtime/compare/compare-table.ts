import Table from "cli-table3";
import { SETTING_KEYS, type SettingKey } from "../../settings/definitions";
import { flaggedSeconds, retriedEntries, timeScaleCell } from "../pipeline/run-report";
import { WRITER_CPU_BAND, type WriterCpuCheck } from "../../planner";
import { CPU_BOUND_FRACTION } from "../time-scale/headroom";
import type { Comparison, StackComparison } from "./compare-stacks";
import { spreadOf } from "./repeated-runs";

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
        row(`seconds (${measured})`, (stack) => secondsCell(stack)),
        row("records/s", (stack) => `${n(stack.run.recordsPerSecond)}${stack.run.headroom.cpuBound ? " ⚠" : ""}`),
        ...(comparison.awsProfile ? [row("time scale K", (stack) => timeScaleCell(stack.run))] : []),
        row("machine cores busy (busiest second)", (stack) => `${Math.round(stack.run.headroom.busyFraction * 100)}%${stack.run.headroom.peakBusyFraction === undefined ? "" : ` (${Math.round(stack.run.headroom.peakBusyFraction * 100)}%)`}`),
        ...(stacks.some((stack) => stack.writerCpu)
            ? [row("writer CPU ÷ calibration (where it set the pace)", (stack) => (stack.writerCpu ? writerCpuCell(stack.writerCpu) : "–"))]
            : []),
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

/**
 * The lines said once for the whole comparison: the time scale, the machine's headroom, the CPU
 * share's mode, and what a ⚠ means when a run was CPU-bound.
 */
export function comparisonPreamble(comparison: Comparison): string[] {
    const { stacks } = comparison;
    const cores = stacks[0]?.run.headroom.availableCores;
    const busiest = stacks.reduce((most, stack) => Math.max(most, stack.run.headroom.busyFraction), 0);
    const peak = stacks.reduce((most, stack) => Math.max(most, stack.run.headroom.peakBusyFraction ?? 0), 0);
    const modes = [...new Set(stacks.map((stack) => stack.run.cpuShare.writer.mode).filter((mode) => mode !== undefined))];
    const awake = stacks.some((stack) => (stack.run.headroom.coresKeptAwake ?? "off") !== "off");
    const lines = [
        timeScaleLine(comparison),
        ...(comparison.repeat > 1
            ? [
                  `${comparison.repeat} runs of each stack, interleaved (every other round in reverse order, so that the machine's drift falls on every stack alike); each column shows its median run, and the seconds' fastest to slowest beside it`,
              ]
            : []),
        `headroom: at most ${Math.round(busiest * 100)}% of ${cores} cores busy during a run, ${Math.round(peak * 100)}% in a run's busiest second (whole machine, other load included${awake ? "; cores kept awake by idle-priority loops, not counted" : ""})${modes.length ? `; CPU share: ${modes.join(", ")}` : ""}`,
    ];
    const bound = stacks.filter((stack) => stack.run.headroom.cpuBound);
    if (bound.length) {
        lines.push(
            `⚠ CPU-bound: ${bound.map((stack) => `${stack.stack} ${Math.round(stack.run.headroom.busyFraction * 100)}%`).join(", ")} of the cores busy. Above ${CPU_BOUND_FRACTION * 100}%, a run's measured figures are this machine's, not the stack's: not representative. Run again on a quieter machine, or with a --time-scale larger than the stack's K (it sets one K for every stack).`,
        );
    }
    const offCpu = stacks.filter((stack) => stack.writerCpu && !stack.writerCpu.within);
    if (offCpu.length) {
        lines.push(
            `⚠ writer CPU: ${offCpu.map((stack) => `${stack.stack}'s sandboxes used ${paceRatioOf(stack.writerCpu).toFixed(2)}×`).join(", ")} the CPU that npm run calibrate-cpu measured (planner/measured-cpu.json) for the same invocations, where their CPU set their pace. ` +
                `Outside ${WRITER_CPU_BAND.low} to ${WRITER_CPU_BAND.high}, the run's seconds measure this machine (its cores shared by many sandboxes and the stand-ins, or its CPU's drift since the calibration), not the stack: not representative; the planned seconds use the calibration. Calibrate again close to the run, or compare on a quieter machine.`,
        );
    }
    return lines;
}

/** "time scale K = 1.5 (dev), 9 (prod), each stack's own: …", or one K when every run had the same. */
function timeScaleLine(comparison: Comparison): string {
    const scales = [...new Set(comparison.stacks.map((stack) => stack.timeScale))];
    const stepped = comparison.stacks.filter((stack) => stack.run.timeScaleSettled).map((stack) => stack.stack);
    if (stepped.length) {
        const each = comparison.stacks.map((stack) => `${stack.timeScale}${stack.run.timeScaleSettled ? ` then ${stack.run.timeScaleSettled.timeScale}` : ""} (${stack.stack})`).join(", ");
        return `time scale K = ${each}, each stack's own (automatic: the smallest that keeps its busiest moment, the writers' cold starts included, under 60% of the cores and its running lanes under 35%, and at least 4, the least at which the functions' CPU matches the planner's calibration; ${stepped.join(", ")} stepped down to the K of ${stepped.length === 1 ? "its" : "their"} running lanes once ${stepped.length === 1 ? "its" : "their"} writers' cold starts were over): every modelled second took K s of wall time; all figures are in AWS time`;
    }
    if (scales.length === 1) {
        const [k] = scales;
        return `time scale K = ${k}${comparison.timeScaleAutomatic && k > 1 ? " (automatic)" : ""}: ${k === 1 ? "no dilation" : `every modelled second took ${k} s of wall time`}; all figures are in AWS time`;
    }
    const each = comparison.stacks.map((stack) => `${stack.timeScale} (${stack.stack})`).join(", ");
    return `time scale K = ${each}${comparison.timeScaleAutomatic ? ", each stack's own (automatic: the smallest that keeps its busiest moment, the writers' cold starts included, under 60% of the cores and its running lanes under 35%, and at least 4, the least at which the functions' CPU matches the planner's calibration)" : ""}: every modelled second took K s of wall time; all figures are in AWS time`;
}

/** A run's seconds, flagged when they are this machine's rather than the stack's; with --repeat, the spread of all the stack's runs beside the median one's. */
function secondsCell(stack: StackComparison): string {
    const seconds = flaggedSeconds(stack.run.seconds.pipeline, stack.run.headroom);
    const cell = stack.writerCpu && !stack.writerCpu.within && !stack.run.headroom.cpuBound ? `${seconds} ⚠ writer CPU ${paceRatioOf(stack.writerCpu).toFixed(2)}×` : seconds;
    if (stack.runs.length < 2) return cell;
    const spread = spreadOf(stack.runs);
    return `${cell} (${spread.min.toFixed(1)} to ${spread.max.toFixed(1)} over ${spread.count} runs${spread.flagged ? `, ${spread.flagged} ⚠` : ""})`;
}

/** The writer CPU's verdict figure: the ratio of the invocations whose CPU set the pace, or the whole run's where none did. */
function paceRatioOf(check: WriterCpuCheck | undefined): number {
    return check?.paceRatio ?? check?.ratio ?? 1;
}

/** The whole run's ratio, and the pace-setting invocations' where some were CPU-bound: `1.16 (1.63 ⚠)`. */
function writerCpuCell(check: WriterCpuCheck): string {
    const flag = check.within ? "" : " ⚠";
    return check.paceRatio === undefined ? `${check.ratio.toFixed(2)} (none)` : `${check.ratio.toFixed(2)} (${check.paceRatio.toFixed(2)}${flag})`;
}

export function formatComparisonTable(comparison: Comparison): string {
    const [header, ...rows] = comparisonRows(comparison);
    const table = new Table({ head: header, style: { head: [], border: [] }, colAligns: ["left", ...header.slice(1).map(() => "right" as const)] });
    for (const row of rows) table.push(row);
    return [table.toString(), ...comparisonPreamble(comparison)].join("\n");
}

/**
 * The page's notes, each said once: a note every stack shares is listed once, one that only some
 * stacks have names them.
 */
export function comparisonNotes(comparison: Comparison): string[] {
    const byNote = new Map<string, string[]>();
    const add = (note: string, stack: string) => byNote.set(note, [...(byNote.get(note) ?? []), stack]);
    for (const stack of comparison.stacks) {
        add(`Prices for ${stack.cost.region}, retrieved ${stack.cost.pricesRetrieved} (planner/prices/${stack.cost.region}.json says where each came from).`, stack.stack);
        for (const assumption of stack.cost.assumptions) add(assumption, stack.stack);
    }
    const everyone = comparison.stacks.length;
    return [
        "Measured rows come from runs on local stand-ins, in AWS time (time dilation); planned rows are the planner's arithmetic for AWS (planner/).",
        ...[...byNote].map(([note, stacks]) => (stacks.length === everyone ? note : `${stacks.join(", ")}: ${note}`)),
    ];
}
