import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import Table from "cli-table3";
import { addAwsProfileOptions, addTimeScaleOption, awsProfileFrom, wholeNumber, interruptSignal, keepCoresAwakeFrom, runCommand } from "./cli-options";
import { flaggedSeconds, timeScaleCell } from "./pipeline/run-report";
import { WRITER_CPU_BAND, type WriterCpuCheck } from "../planner";
import { CPU_BOUND_FRACTION, formatHeadroom } from "./time-scale/headroom";
import { runBench, type BenchReport, type BenchRun } from "./bench/run-bench";
import { createProgressDisplay } from "./progress-display";

/** `npm run bench`: prints the benchmark table and writes its JSON. A benchmark, not a test. */

const PROJECT_DIR = path.resolve(__dirname, "..");

const program = new Command()
    .name("npm run bench --")
    .description("The seed article's setup vs the prod stack under the AWS profile, and prod at local speed vs the embedded S3's raw PutObject rate, side by side in one run.")
    .option("--records <n>", "lines for the prod and embedded runs", wholeNumber("--records"), 10_000)
    .option("--seed-records <n>", "lines for the seed baseline (slow by design: about 20 records/s)", wholeNumber("--seed-records"), 1_000)
    .option("--record-bytes <n>", "bytes per line", wholeNumber("--record-bytes", 128), 2048)
    .option("--seed <n>", "seed of the generated workload", wholeNumber("--seed", 0), 42)
    .option("--report <file>", "where to write the JSON", "out/bench.json")
    .showHelpAfterError();
addAwsProfileOptions(program, true);
addTimeScaleOption(program, "for each run under the AWS profile, the smallest K that keeps its busiest moment under about 60% of this machine's cores and its running lanes under 35%, and at least 4 for prod; prod steps down to its running lanes' K after its cold starts where that is smaller (below it the functions' CPU falls under the planner's calibration); the embedded run is never dilated");

const n = (value: number, digits = 0) => value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

function row(name: string, run: BenchRun): string[] {
    const flag = run.headroom.cpuBound ? " ⚠" : "";
    return [name, n(run.records), timeScaleCell(run), flaggedSeconds(run.seconds, run.headroom), `${n(run.recordsPerSecond)}${flag}`, n(run.inRecordsPerSecond), n(run.outRecordsPerSecond), run.plannedRecordsPerSecond ? n(run.plannedRecordsPerSecond) : "–", n(run.throttledPutEntries), run.verified ? "yes" : "NO"];
}

export function formatBench(report: BenchReport): string {
    const table = new Table({
        head: ["run", "records", "K", "seconds", "records/s", "in rec/s", "out rec/s", "planned rec/s", "throttled puts", "verified"],
        style: { head: [], border: [] },
    });
    table.push(row("seedBaseline (AWS profile)", report.seedBaseline), row("prod (AWS profile)", report.prod), row("embedded (prod, local speed)", report.embedded));
    const goal = (met: boolean) => (met ? "met" : "MISSED");
    return [
        table.toString(),
        `seed article on AWS:  97 records/s in, 20 records/s out; seedBaseline here: ${n(report.seedBaseline.inRecordsPerSecond)} in, ${n(report.seedBaseline.outRecordsPerSecond)} out`,
        `speedup               ${n(report.speedup, 1)}×${report.speedupRepresentative ? "" : " ⚠ not representative"} (prod ÷ seedBaseline records/s, both in AWS time; goal ≥ 50: ${goal(report.goals.speedupAtLeast50)})`,
        ...(report.prodWriterCpu ? [formatWriterCpu(report.prodWriterCpu)] : []),
        `time scale            seedBaseline K = ${report.seedBaseline.timeScale}, prod K = ${report.prod.timeScale}${report.prod.timeScaleSettled ? `, then ${report.prod.timeScaleSettled.timeScale} from ${report.prod.timeScaleSettled.atSeconds.toFixed(1)} s, once its writers' cold starts were over` : ""} (every modelled second took K s of wall time); CPU share: ${report.prod.cpuShareMode ?? "not modelled"}`,
        `headroom              seedBaseline ${formatHeadroom(report.seedBaseline.headroom, true)}; prod ${formatHeadroom(report.prod.headroom, true)}; embedded ${formatHeadroom(report.embedded.headroom, true)} (whole machine; ⚠ above ${CPU_BOUND_FRACTION * 100}%: the timings measure this machine, not the stacks)`,
        `rawS3PutsPerSecond    ${n(report.rawS3PutsPerSecond)} (embedded S3, same client and concurrency as prod's writers, same run)`,
        `efficiency            ${n(report.efficiency, 2)} (embedded records/s ÷ raw S3 PutObject/s; goal ≥ 0.8: ${goal(report.goals.efficiencyAtLeast08)})`,
        `embedded CPU          ${n(report.embeddedCpu.busyCoreSeconds, 1)} of ${n(report.embeddedCpu.capacityCoreSeconds, 1)} core-seconds busy from upload to drained: ${report.embeddedCpu.roles.map((role) => `${role.role} ${n(role.cpuSeconds, 1)} s${role.processes > 1 ? ` (${role.processes} processes)` : ""}`).join(", ")}`,
        `machine               ${report.machine.cpus} cores, ${report.machine.memoryGiB} GiB, Node ${report.machine.node}`,
    ].join("\n");
}

/** prod's writer CPU against the calibration: a run outside the band, where CPU set the writers' pace, measures this machine. */
function formatWriterCpu(check: WriterCpuCheck): string {
    const flag = check.within ? "" : ` ⚠ outside ${WRITER_CPU_BAND.low} to ${WRITER_CPU_BAND.high} where CPU set the writers' pace: prod's seconds are this machine's (cores shared, CPU drift), not the stack's`;
    const pace = check.paceRatio === undefined ? "; their CPU never set their pace" : `; ${n(check.paceRatio, 2)}× in the invocations where their CPU set their pace`;
    return `writer CPU            prod's sandboxes used ${n(check.ratio, 2)}× the CPU npm run calibrate-cpu measured for the same invocations (${n(check.measuredMs / 1000, 1)} s against ${n(check.calibratedMs / 1000, 1)} s)${pace}${flag}`;
}

async function main(): Promise<number> {
    program.parse();
    const options = program.opts();
    const signal = interruptSignal();
    const progress = createProgressDisplay();
    const report = await runBench({
        projectDir: PROJECT_DIR,
        records: options.records,
        seedRecords: options.seedRecords,
        recordBytes: options.recordBytes,
        seed: options.seed,
        awsProfile: awsProfileFrom({ ...options, awsProfile: true }) ?? {},
        timeScale: options.timeScale,
        cpuShare: options.cpuShare,
        keepCoresAwake: keepCoresAwakeFrom(options),
        onPhase: (phase) => {
            progress.stop();
            process.stderr.write(`${phase}\n`);
        },
        onProgress: (snapshot) => progress.update(snapshot),
        signal,
    });
    progress.stop();
    process.stdout.write(formatBench(report) + "\n");
    fs.mkdirSync(path.dirname(path.resolve(options.report)), { recursive: true });
    fs.writeFileSync(options.report, JSON.stringify(report, null, 2) + "\n");
    process.stdout.write(`report: ${options.report}\n`);
    return report.seedBaseline.verified && report.prod.verified && report.embedded.verified ? 0 : 1;
}

runCommand(main);
