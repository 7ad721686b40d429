import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { addAwsProfileOptions, addStacksDirOption, addTimeScaleOption, awsProfileFrom, httpUrl, interruptSignal, keepCoresAwakeFrom, runCommand, stacksDirFrom, wholeNumber } from "./cli-options";
import { autoTimeScales, type AutomaticTimeScales } from "./time-scale/auto-time-scale";
import { readStackFile } from "./stack/read-stack-file";
import { collectConfigOverride, withConfigOverrides } from "./stack/config-overrides";
import { SEED_WORKLOAD, writeWorkloadFile } from "./workload/seed-workload";
import { runPipeline } from "./pipeline/run-pipeline";
import { formatSummary } from "./pipeline/run-report";
import { createProgressDisplay } from "./progress-display";
import { addFaultOptions, faultOptionsFrom } from "./faults/cli-options";
import { writePoisonedWorkloadFile } from "./faults/poison-lines";
import { AWS_LIMITS } from "../settings/aws-limits";

/** `npm start`: runs a stack's configuration end to end on this machine and verifies the output. */

const PROJECT_DIR = path.resolve(__dirname, "..");

const program = new Command()
    .name("npm start --")
    .description(
        "Run a stack's configuration end to end on this machine: local S3, SQS and Kinesis stand-ins, the same Lambda code `pulumi up` uploads, AWS's event source mapping semantics, and a verification of every output object.",
    )
    .option("--stack <name>", "stack whose Pulumi.<stack>.yaml settings to run", "dev")
    .option("--config <key=value>", "override one of the stack's kinesis-fanout settings for this run (repeatable), e.g. --config maximumRetryAttempts=0", collectConfigOverride)
    .option("--records <n>", "lines to generate", wholeNumber("--records"), SEED_WORKLOAD.records)
    .option("--record-bytes <n>", "bytes per generated line", wholeNumber("--record-bytes", 128), SEED_WORKLOAD.recordBytes)
    .option("--seed <n>", "seed of the generated workload", wholeNumber("--seed", 0), SEED_WORKLOAD.seed)
    .option("--input <file>", "a JSON-lines file to run instead of the generated workload")
    .option("--report <file>", "write the run's report as JSON")
    .option("--state <dir>", "keep the stand-ins' data and the mapping's checkpoints in this folder")
    .option("--region <region>", "AWS region (default: the stack's aws:region)")
    .option("--kinesis-endpoint <url>", "use this Kinesis endpoint instead of the embedded one", httpUrl("--kinesis-endpoint"))
    .option("--s3-endpoint <url>", "use this S3 endpoint instead of the embedded one", httpUrl("--s3-endpoint"))
    .option("--sqs-endpoint <url>", "use this SQS endpoint instead of the embedded one", httpUrl("--sqs-endpoint"))
    .option("--resource-prefix <name>", "prefix of the buckets', stream's and queue's names; bucket names are global on AWS, so pick your own there", "kinesis-fanout")
    .option("--account-concurrency <n>", `the account's Lambda concurrent executions (AWS's default ${AWS_LIMITS.lambda.concurrency}; new accounts can have less): beyond it, or beyond the writer's reserved concurrency, invocations are throttled`, wholeNumber("--account-concurrency", 1), AWS_LIMITS.lambda.concurrency)
    .option("--no-s3-ceiling", "skip measuring the S3 endpoint's raw PutObject rate after the run")
    .option("--splitter-timeout <seconds>", `override the stack's splitterTimeoutSeconds (more than 0, at most ${AWS_LIMITS.lambda.timeoutSeconds.max}; fractions allowed locally), to watch the splitter continue past its timeout`, splitterTimeout)
    .showHelpAfterError();
addAwsProfileOptions(program, false);
addTimeScaleOption(program, "1 at local speed; with --aws-profile, the smallest K that keeps the run's busiest moment under about 60% of this machine's cores and its running lanes under 35%, and at least 4; the run steps down to the running lanes' K after the writers' cold starts where that is smaller (below it the functions' CPU falls under the planner's calibration)");
addStacksDirOption(program);
addFaultOptions(program);

async function main(): Promise<number> {
    program.parse();
    const options = program.opts();
    const stack = readStackFile(stacksDirFrom(options, PROJECT_DIR), options.stack);
    const configured = withConfigOverrides(stack, options.config);
    for (const warning of configured.warnings) process.stderr.write(`warning: ${warning}\n`);

    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "kinesis-fanout-"));
    const signal = interruptSignal(() => fs.rmSync(scratch, { recursive: true, force: true }));
    const progress = createProgressDisplay();
    try {
        let inputFile: string = options.input;
        let inputName = options.input ? path.basename(options.input) : "products.jsonl";
        if (options.input) {
            if (!fs.existsSync(options.input)) throw new Error(`--input ${options.input}: no such file`);
        } else {
            inputFile = path.join(scratch, inputName);
            const workload = { records: options.records, recordBytes: options.recordBytes, seed: options.seed };
            if (options.poison) await writePoisonedWorkloadFile(inputFile, { ...workload, poison: options.poison });
            else await writeWorkloadFile(inputFile, workload);
            inputName = `products-${options.records}x${options.recordBytes}${options.poison ? `-poison${options.poison}` : ""}.jsonl`;
        }
        const awsProfile = awsProfileFrom(options);
        const settings = options.splitterTimeout === undefined ? configured.settings : { ...configured.settings, splitterTimeoutSeconds: options.splitterTimeout };
        // At local speed no AWS time is modelled, so nothing is dilated unless asked for.
        const scales: AutomaticTimeScales =
            options.timeScale !== undefined ? { timeScale: options.timeScale } : awsProfile ? autoTimeScales(settings, { records: options.records, recordBytes: options.recordBytes }) : { timeScale: 1 };
        const { timeScale, timeScaleAfterColdStarts } = scales;
        const step = timeScaleAfterColdStarts ? `, then ${timeScaleAfterColdStarts.timeScale} once the writers' ${timeScaleAfterColdStarts.lanes} cold starts are over` : "";
        if (timeScale !== 1) process.stderr.write(`time scale K = ${timeScale}${step}${options.timeScale === undefined ? " (automatic)" : ""}: the run takes about K times its AWS time\n`);
        const report = await runPipeline({
            stack: stack.stack,
            settings,
            timeScale,
            timeScaleAfterColdStarts,
            region: options.region ?? stack.region,
            inputFile,
            inputName,
            endpoints: { kinesis: options.kinesisEndpoint, s3: options.s3Endpoint, sqs: options.sqsEndpoint },
            restart: options.state ? { stateDir: path.resolve(options.state) } : undefined,
            resourcePrefix: options.resourcePrefix,
            measureS3Ceiling: options.s3Ceiling,
            accountConcurrency: options.accountConcurrency,
            awsProfile,
            cpuShare: options.cpuShare,
            keepCoresAwake: keepCoresAwakeFrom(options),
            faults: faultOptionsFrom(options),
            onProgress: (snapshot) => progress.update(snapshot),
            signal,
        });
        progress.stop();
        process.stdout.write(formatSummary(report) + "\n");
        if (options.report) {
            fs.mkdirSync(path.dirname(path.resolve(options.report)), { recursive: true });
            fs.writeFileSync(options.report, JSON.stringify(report, null, 2) + "\n");
            process.stdout.write(`  report       ${options.report}\n`);
        }
        return report.output.verified ? 0 : 1;
    } finally {
        progress.stop();
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

runCommand(main);

/** --splitter-timeout: seconds, fractions allowed (Lambda itself takes whole seconds, 1 to 900). */
function splitterTimeout(value: string): number {
    const seconds = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value) || !(seconds > 0 && seconds <= AWS_LIMITS.lambda.timeoutSeconds.max)) {
        throw new InvalidArgumentError(`--splitter-timeout must be a number of seconds more than 0 and at most ${AWS_LIMITS.lambda.timeoutSeconds.max} (got "${value}")`);
    }
    return seconds;
}
