import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { wholeNumber } from "../cli-options";
import { addFaultOptions, faultOptionsFrom } from "../faults/cli-options";
import { resolveFaultOptions } from "../faults/fault-options";
import { writePoisonedWorkloadFile } from "../faults/poison-lines";
import { runPipeline } from "../pipeline/run-pipeline";
import { formatSummary, type RunReport } from "../pipeline/run-report";
import { readStackFile } from "../stack/read-stack-file";
import { peaksByRole, sampleProcessMemory } from "./process-memory";

/**
 * `npm run soak`: 200,000 lines through the prod stack's settings with every fault on, then the
 * counts, the peak RSS of every process (runtime, stand-ins, sandboxes) and the throughput over
 * time. Exits 0 only when the run reconciles.
 */
const PROJECT_DIR = path.resolve(__dirname, "../..");
const SOAK_FAULTS = { failPutRate: 0.05, failWriteRate: 0.02, crashRate: 0.02, duplicateRate: 0.05, poison: 40, seed: 1 };

const program = new Command()
    .name("npm run soak --")
    .description("Push a large workload through a stack with faults on, and report counts, peak memory per process and throughput over time.")
    .option("--stack <name>", "stack whose settings to run", "prod")
    .option("--records <n>", "valid lines to generate", wholeNumber("--records"), 200_000)
    .option("--record-bytes <n>", "bytes per generated line", wholeNumber("--record-bytes", 128), 2048)
    .option("--seed <n>", "seed of the generated workload", wholeNumber("--seed", 0), 42)
    .option("--report <file>", "write the run's report as JSON");
addFaultOptions(program);
program.addHelpText("after", `\nFaults default to ${JSON.stringify(SOAK_FAULTS)}; any fault flag given replaces them all.`);

const n = (value: number) => Math.round(value).toLocaleString("en-US");

/** Records processed per interval of the timeline, in buckets of `bucketSeconds`. */
export function throughputOverTime(report: RunReport, bucketSeconds = 10): Array<{ from: number; to: number; processed: number; perSecond: number }> {
    const rows: Array<{ from: number; to: number; processed: number; perSecond: number }> = [];
    let previous = { seconds: 0, recordsProcessed: 0 };
    let bucketEnd = bucketSeconds;
    for (const point of report.timeline) {
        if (point.seconds < bucketEnd && point !== report.timeline.at(-1)) continue;
        const processed = point.recordsProcessed - previous.recordsProcessed;
        const span = point.seconds - previous.seconds;
        rows.push({ from: previous.seconds, to: point.seconds, processed, perSecond: span > 0 ? processed / span : 0 });
        previous = point;
        bucketEnd = point.seconds + bucketSeconds;
    }
    return rows;
}

async function main(): Promise<number> {
    program.parse();
    const options = program.opts();
    const faults = faultOptionsFrom(options) ?? resolveFaultOptions(SOAK_FAULTS);
    const stack = readStackFile(PROJECT_DIR, options.stack);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "kinesis-fanout-soak-"));
    const memory = sampleProcessMemory();
    const controller = new AbortController();
    process.on("SIGINT", () => controller.abort());
    try {
        const inputFile = path.join(scratch, "soak.jsonl");
        process.stdout.write(`soak: generating ${n(options.records)} lines of ${options.recordBytes} bytes with ${faults.poison} poison lines\n`);
        await writePoisonedWorkloadFile(inputFile, { records: options.records, recordBytes: options.recordBytes, seed: options.seed, poison: faults.poison });
        process.stdout.write(`soak: running stack ${options.stack} with faults ${JSON.stringify(faults)}\n`);
        let lastPrinted = 0;
        const report = await runPipeline({
            stack: `soak-${options.stack}`,
            settings: stack.settings,
            region: stack.region,
            inputFile,
            inputName: `soak-${options.records}x${options.recordBytes}.jsonl`,
            measureS3Ceiling: false,
            faults,
            signal: controller.signal,
            onProgress: (snapshot) => {
                if (snapshot.seconds - lastPrinted < 10) return;
                lastPrinted = snapshot.seconds;
                process.stdout.write(`  [${snapshot.seconds.toFixed(0).padStart(4)} s] processed ${n(snapshot.recordsProcessed)} of ${n(snapshot.records)}, read from stream ${n(snapshot.recordsInStream)}, batches in flight ${snapshot.batchesInFlight}\n`);
            },
        });
        const peaks = memory.peaks();
        process.stdout.write("\n" + formatSummary(report) + "\n\n");
        process.stdout.write("peak RSS per process (VmHWM, sampled each second)\n");
        process.stdout.write("  role                   processes   max peak   sum of peaks\n");
        for (const row of peaksByRole(peaks)) {
            process.stdout.write(`  ${row.role.padEnd(22)} ${String(row.processes).padStart(9)}   ${row.maxPeakMiB.toFixed(0).padStart(5)} MiB   ${row.sumPeakMiB.toFixed(0).padStart(8)} MiB\n`);
        }
        process.stdout.write(`  runtime maxRSS (process.resourceUsage): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB\n\n`);
        process.stdout.write("throughput over time (records whose writer batch finished)\n");
        for (const row of throughputOverTime(report)) {
            process.stdout.write(`  ${row.from.toFixed(0).padStart(4)}-${row.to.toFixed(0).padStart(4)} s  ${n(row.processed).padStart(8)} records  ${n(row.perSecond).padStart(6)} /s\n`);
        }
        if (options.report) fs.writeFileSync(options.report, JSON.stringify({ ...report, processPeaks: peaks }, null, 2) + "\n");
        process.stdout.write(report.output.verified ? "\nsoak: PASS, clean reconciliation\n" : `\nsoak: FAIL: ${report.output.problems.join("; ")}\n`);
        return report.output.verified ? 0 : 1;
    } finally {
        memory.stop();
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (error) => {
            process.stderr.write(`soak: error: ${error instanceof Error ? error.message : String(error)}\n`);
            process.exit(2);
        },
    );
}
