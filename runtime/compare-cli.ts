import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { SEED_WORKLOAD } from "./workload/seed-workload";
import { addAwsProfileOptions, addStacksDirOption, stacksDirFrom, awsProfileFrom, wholeNumber, interruptSignal, runCommand } from "./cli-options";
import { compareStacks } from "./compare/compare-stacks";
import { comparisonRows, formatComparisonTable } from "./compare/compare-table";
import { renderComparePage } from "./compare/compare-page";
import { createProgressDisplay } from "./progress-display";
import { addFaultOptions, faultOptionsFrom } from "./faults/cli-options";

/** `npm run compare -- dev prod [more stacks]`: stacks side by side, measured and planned. */

const PROJECT_DIR = path.resolve(__dirname, "..");

const program = new Command()
    .name("npm run compare --")
    .description(
        "Run the same generated input through each stack's settings, one after another, under AWS's per-shard limits and the seed's latencies; print a side-by-side table with the planner's time and cost for AWS, and write an offline HTML page with charts.",
    )
    .argument("<stacks...>", "stacks to compare (their Pulumi.<stack>.yaml files)")
    .option("--records <n>", "lines to generate", wholeNumber("--records"), SEED_WORKLOAD.records)
    .option("--record-bytes <n>", "bytes per generated line", wholeNumber("--record-bytes", 128), SEED_WORKLOAD.recordBytes)
    .option("--seed <n>", "seed of the generated workload", wholeNumber("--seed", 0), SEED_WORKLOAD.seed)
    .option("--records-per-day <n>", "daily volume the monthly cost is planned for", wholeNumber("--records-per-day"), 1_000_000)
    .option("--html <file>", "where to write the page", "out/compare.html")
    .option("--report <file>", "also write the comparison as JSON, one entry per stack")
    .showHelpAfterError();
addAwsProfileOptions(program, true);
addStacksDirOption(program);
addFaultOptions(program);

async function main(): Promise<number> {
    program.parse();
    const options = program.opts();
    const signal = interruptSignal();
    const progress = createProgressDisplay();
    const comparison = await compareStacks({
        projectDir: stacksDirFrom(options, PROJECT_DIR),
        stacks: program.args,
        workload: { records: options.records, recordBytes: options.recordBytes, seed: options.seed },
        awsProfile: awsProfileFrom(options),
        cpuShare: options.cpuShare,
        faults: faultOptionsFrom(options),
        recordsPerDay: options.recordsPerDay,
        onStackStart: (stack, index) => {
            progress.stop();
            process.stderr.write(`stack ${stack} (${index + 1} of ${program.args.length})\n`);
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
        table: comparisonRows(comparison),
        series: comparison.stacks.map((stack) => ({
            stack: stack.stack,
            written: stack.run.timeline.map((point) => [point.seconds, point.recordsProcessed] as [number, number]),
            iteratorAgeMs: stack.run.timeline.map((point) => [point.seconds, point.iteratorAgeMs] as [number, number]),
        })),
        notes: [
            "Measured rows come from runs on local stand-ins; planned rows are the planner's arithmetic for AWS (planner/).",
            ...comparison.stacks.flatMap((stack) => [
                `${stack.stack}: prices for ${stack.cost.region}, retrieved ${stack.cost.pricesRetrieved} (planner/prices/${stack.cost.region}.json says where each came from).`,
                ...stack.cost.assumptions.map((assumption) => `${stack.stack}: ${assumption}`),
            ]),
        ],
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
