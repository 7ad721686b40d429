import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { SEED_WORKLOAD } from "./workload/seed-workload";
import { addAwsProfileOptions, addStacksDirOption, addTimeScaleOption, awsProfileFrom, interruptSignal, keepCoresAwakeFrom, runCommand, stacksDirFrom, wholeNumber } from "./cli-options";
import { compareStacks } from "./compare/compare-stacks";
import { comparisonNotes, comparisonPreamble, comparisonRows, formatComparisonTable } from "./compare/compare-table";
import { renderComparePage } from "./compare/compare-page";
import { createProgressDisplay } from "./progress-display";
import { addFaultOptions, faultOptionsFrom } from "./faults/cli-options";

/** `npm run compare -- dev prod [more stacks]`: stacks side by side, measured and planned. */

const PROJECT_DIR = path.resolve(__dirname, "..");
/**
 * Default lines per stack. At the automatic K (4 for dev and 8.5 for prod on 2 cores) dev's 4,000
 * records take about 27 s of AWS time, so about 1 min 50 s of wall time, and prod's 5 s about 45 s:
 * `compare -- dev prod` took 2 min 41 s in all (2026-12-03). Each --repeat adds as much again.
 */
const COMPARE_RECORDS = 4000;

const program = new Command()
    .name("npm run compare --")
    .description(
        "Run the same generated input through each stack's settings, one after another, under AWS's per-shard limits and the seed's latencies; print a side-by-side table with the planner's time and cost for AWS, and write an offline HTML page with charts.",
    )
    .argument("<stacks...>", "stacks to compare (their Pulumi.<stack>.yaml files)")
    .option("--records <n>", `lines to generate (default ${COMPARE_RECORDS}: under time dilation a run takes K times its AWS time, so \`compare -- dev prod\` takes about 3 minutes on 2 cores)`, wholeNumber("--records"), COMPARE_RECORDS)
    .option("--record-bytes <n>", "bytes per generated line", wholeNumber("--record-bytes", 128), SEED_WORKLOAD.recordBytes)
    .option("--seed <n>", "seed of the generated workload", wholeNumber("--seed", 0), SEED_WORKLOAD.seed)
    .option("--records-per-day <n>", "daily volume the monthly cost is planned for", wholeNumber("--records-per-day"), 1_000_000)
    .option("--html <file>", "where to write the page", "out/compare.html")
    .option("--report <file>", "also write the comparison as JSON, one entry per stack")
    .option("--repeat <n>", "runs of each stack, interleaved (A B, B A, …); each column shows the median run and the spread of all", wholeNumber("--repeat"), 1)
    .showHelpAfterError();
addAwsProfileOptions(program, true);
addTimeScaleOption(program, "each stack's own: the smallest K that keeps its busiest moment, cold starts included, under about 60% of this machine's cores and its running lanes under 35%, and at least 4, stepping down to the running lanes' K after the cold starts where that is smaller (below it the functions' CPU falls under the planner's calibration); --time-scale sets one K for every stack; 1 with --no-aws-profile");
addStacksDirOption(program);
addFaultOptions(program);

async function main(): Promise<number> {
    program.parse();
    const options = program.opts();
    const signal = interruptSignal();
    const progress = createProgressDisplay();
    const comparison = await compareStacks({
        projectDir: PROJECT_DIR,
        stackDir: stacksDirFrom(options, PROJECT_DIR),
        stacks: program.args,
        timeScale: options.timeScale,
        repeat: options.repeat,
        workload: { records: options.records, recordBytes: options.recordBytes, seed: options.seed },
        awsProfile: awsProfileFrom(options),
        cpuShare: options.cpuShare,
        keepCoresAwake: keepCoresAwakeFrom(options),
        faults: faultOptionsFrom(options),
        recordsPerDay: options.recordsPerDay,
        onStackStart: (stack, index, round) => {
            progress.stop();
            const of = options.repeat > 1 ? `, run ${round + 1} of ${options.repeat}` : "";
            process.stderr.write(`stack ${stack} (${index + 1} of ${program.args.length}${of})\n`);
        },
        onProgress: (snapshot) => progress.update(snapshot),
        signal,
    });
    progress.stop();
    for (const stack of comparison.stacks) for (const warning of stack.warnings) process.stderr.write(`warning (${stack.stack}): ${warning}\n`);
    process.stdout.write(formatComparisonTable(comparison) + "\n");

    const title = `kinesis-fanout: ${comparison.stacks.map((stack) => stack.stack).join(" vs ")}`;
    const html = renderComparePage({
        title,
        subtitle: `${comparison.workload.records.toLocaleString("en-US")} lines of ${comparison.workload.recordBytes} B, ${comparison.awsProfile ? "under the AWS profile (per-shard limits, seed latencies)" : "at local speed"}; generated ${comparison.generatedAt}`,
        facts: comparisonPreamble(comparison),
        table: comparisonRows(comparison),
        series: comparison.stacks.map((stack) => ({
            stack: stack.stack,
            written: stack.run.timeline.map((point) => [point.seconds, point.recordsProcessed] as [number, number]),
            iteratorAgeMs: stack.run.timeline.map((point) => [point.seconds, point.iteratorAgeMs] as [number, number]),
        })),
        notes: comparisonNotes(comparison),
    });
    fs.mkdirSync(path.dirname(path.resolve(options.html)), { recursive: true });
    fs.writeFileSync(options.html, html);
    process.stdout.write(`page: ${options.html}\n`);
    if (options.report) {
        fs.mkdirSync(path.dirname(path.resolve(options.report)), { recursive: true });
        fs.writeFileSync(options.report, JSON.stringify(comparison, null, 2) + "\n");
        process.stdout.write(`report: ${options.report}\n`);
    }
    return comparison.stacks.every((stack) => stack.run.output.verified) ? 0 : 1;
}

runCommand(main);
