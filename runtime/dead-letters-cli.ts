import * as path from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { runCommand, wholeNumber } from "./cli-options";
import { readStackFile } from "./stack/read-stack-file";
import { collectConfigOverride, withConfigOverrides } from "./stack/config-overrides";
import { readRunManifest } from "./restart/run-manifest";
import { DEAD_LETTER_KINDS, summarize, type DeadLetter, type DeadLetterKind } from "./dead-letters/dead-letter";
import { deleteDeadLetter, readDeadLetters, releaseDeadLetters, type DeadLetterLocation } from "./dead-letters/dead-letter-store";
import { openLocalStack } from "./dead-letters/local-target";
import { openDeployedStack } from "./dead-letters/deployed-target";
import { readExportedLines, redrive } from "./dead-letters/redrive";
import type { RedriveTarget } from "./dead-letters/redrive-target";
import { reconcile } from "./dead-letters/reconcile";

/**
 * `npm run dead-letters -- <list|show|redrive|verify>`: the dead letters of a local run kept with
 * `npm start -- --state DIR` (`--state DIR`), or of a deployed stack (`--queue-url`, and
 * `--failure-bucket`, `--splitter-function`, `--writer-function` as its stack outputs give them,
 * with the caller's AWS credentials).
 */

const PROJECT_DIR = path.resolve(__dirname, "..");

interface Where {
    state?: string;
    stack: string;
    config?: Record<string, string>;
    region?: string;
    resourcePrefix: string;
    queueUrl?: string;
    failureBucket?: string;
    streamName?: string;
    splitterFunction?: string;
    writerFunction?: string;
    export?: string;
}

interface Opened extends AsyncDisposable {
    location: DeadLetterLocation;
    target(): Promise<RedriveTarget>;
    exportFile: string;
    local?: Awaited<ReturnType<typeof openLocalStack>> & { stateDir: string; settings: ReturnType<typeof withConfigOverrides>["settings"] };
}

function withWhere(command: Command): Command {
    return command
        .option("--state <dir>", "a local run's folder (npm start -- --state DIR): its stand-ins are started on it")
        .option("--stack <name>", "with --state: the stack the run used", "dev")
        .option("--config <key=value>", "with --state: a setting the run overrode (repeatable)", collectConfigOverride)
        .option("--resource-prefix <name>", "with --state: the run's --resource-prefix", "kinesis-fanout")
        .option("--region <region>", "AWS region (default: the stack's, or the SDK's default chain for a deployed stack)")
        .option("--queue-url <url>", "a deployed stack's dead-letter queue (stack output deadLetterQueueUrl)")
        .option("--failure-bucket <name>", "a deployed stack's failure bucket (stack output failureBucketName)")
        .option("--stream-name <name>", "a deployed stack's stream (stack output streamName) to read failed ranges from; default: the stream ARN each on-failure record names")
        .option("--splitter-function <name>", "a deployed stack's splitter (stack output splitterFunctionName)")
        .option("--writer-function <name>", "a deployed stack's writer (stack output writerFunctionName)")
        .option("--export <file>", "where poison lines are exported (JSON lines; default <state>/poison-lines.jsonl, or ./poison-lines.jsonl)");
}

async function open(where: Where): Promise<Opened> {
    if (where.state && where.queueUrl) throw new Error("give either --state (a local run) or --queue-url (a deployed stack), not both");
    if (where.state) {
        const stateDir = path.resolve(where.state);
        const stackFile = readStackFile(PROJECT_DIR, where.stack);
        const { settings } = withConfigOverrides(stackFile, where.config);
        const local = await openLocalStack({ stateDir, stack: stackFile.stack, settings, region: where.region ?? stackFile.region, resourcePrefix: where.resourcePrefix });
        return {
            location: local.location,
            target: () => local.target(),
            exportFile: where.export ?? path.join(stateDir, "poison-lines.jsonl"),
            local: Object.assign(local, { stateDir, settings }),
            [Symbol.asyncDispose]: () => local[Symbol.asyncDispose](),
        };
    }
    if (!where.queueUrl) throw new Error("say where the dead letters are: --state DIR for a local run, or --queue-url URL (with --failure-bucket, --splitter-function, --writer-function) for a deployed stack");
    const deployed = openDeployedStack({
        region: where.region,
        queueUrl: where.queueUrl,
        failureBucket: where.failureBucket,
        streamName: where.streamName,
        splitterFunction: where.splitterFunction,
        writerFunction: where.writerFunction,
    });
    return { location: deployed.location, target: () => deployed.target(), exportFile: where.export ?? "poison-lines.jsonl", [Symbol.asyncDispose]: () => deployed[Symbol.asyncDispose]() };
}

function printSummary(letters: DeadLetter[]): void {
    const summary = summarize(letters);
    const table = (title: string, counts: Record<string, number>) => {
        process.stdout.write(`${title}\n`);
        for (const [key, count] of Object.entries(counts).sort()) process.stdout.write(`  ${key.padEnd(44)} ${count}\n`);
    };
    process.stdout.write(`dead letters  ${summary.total}${summary.oldest ? ` (oldest ${summary.oldest}, newest ${summary.newest})` : ""}\n`);
    table("by stage", summary.byStage);
    table("by kind", summary.byKind);
    table("by kind/reason", summary.byReason);
}

function kindOption(value: string): DeadLetterKind {
    if (!(DEAD_LETTER_KINDS as string[]).includes(value)) throw new InvalidArgumentError(`--kind must be one of ${DEAD_LETTER_KINDS.join(", ")} (got "${value}")`);
    return value as DeadLetterKind;
}

const program = new Command().name("npm run dead-letters --").description("Inspect and redrive the pipeline's dead letters.").showHelpAfterError();

withWhere(program.command("list").description("counts by stage, kind and reason, with the oldest and newest").option("--json", "print JSON")).action(async (options) => {
    await using opened = await open(options);
    const letters = await readDeadLetters(opened.location);
    if (options.json) process.stdout.write(JSON.stringify({ ...summarize(letters), letters: letters.map(({ id, where, kind, stage, reason, at }) => ({ id, where, kind, stage, reason, at })) }, null, 2) + "\n");
    else printSummary(letters);
});

withWhere(program.command("show").description("one dead letter, whole").argument("<id>", "its id, as list --json gives it")).action(async (id: string, options) => {
    await using opened = await open(options);
    const letter = (await readDeadLetters(opened.location)).find((candidate) => candidate.id === id);
    if (!letter) throw new Error(`no dead letter with id ${id}; npm run dead-letters -- list --json lists them`);
    const { receiptHandle: _handle, ...shown } = letter;
    process.stdout.write(JSON.stringify(shown, null, 2) + "\n");
});

withWhere(
    program
        .command("redrive")
        .description("act on dead letters by kind: invoke the splitter or the writer again, or export poison lines; delete each only once that succeeded")
        .option("--dry-run", "say what would be done, change nothing")
        .addOption(new Option("--kind <kind>", `only this kind (${DEAD_LETTER_KINDS.join(", ")})`).argParser(kindOption))
        .option("--reason <reason>", "only this reason (as list shows it)")
        .option("--limit <n>", "at most this many", wholeNumber("--limit")),
).action(async (options) => {
    await using opened = await open(options);
    await using target = await opened.target();
    const location = opened.location;
    const result = await redrive(
        {
            read: () => readDeadLetters(location, { hold: true }),
            remove: (letter) => deleteDeadLetter(location, letter),
            release: (letters) => releaseDeadLetters(location, letters),
        },
        target,
        { kind: options.kind, reason: options.reason, limit: options.limit, dryRun: options.dryRun, exportFile: opened.exportFile, log: (line) => process.stdout.write(`${line}\n`) },
    );
    process.stdout.write(`redrive: ${result.redriven} redriven${options.dryRun ? " (dry run)" : ""}, ${result.exported} poison line(s) newly exported to ${opened.exportFile}, ${result.failed} left for the next redrive\n`);
    process.exitCode = result.failed > 0 ? 1 : 0;
});

withWhere(program.command("verify").description("with --state: reconcile the run's input with the output bucket, the dead letters kept and the exported poison lines")).action(async (options) => {
    await using opened = await open(options);
    const local = opened.local;
    if (!local) throw new Error("verify needs --state DIR (a local run); a deployed stack's input is not known here");
    const manifest = readRunManifest(local.stateDir);
    if (!manifest) throw new Error(`${local.stateDir} has no run manifest: run npm start -- --state ${local.stateDir} first`);
    const letters = await readDeadLetters(local.location);
    const result = await reconcile({
        s3: local.location.s3,
        kinesis: local.kinesis,
        settings: local.settings,
        inputBucket: manifest.inputBucket,
        inputKey: manifest.inputKey,
        outputBucket: local.resources.outputBucket,
        streamName: local.resources.streamName,
        letters,
        exported: readExportedLines(opened.exportFile),
    });
    const { verification } = result;
    process.stdout.write(
        [
            `input        s3://${manifest.inputBucket}/${manifest.inputKey}`,
            `written      ${verification.objectsWritten} objects (${verification.missing.length} missing, ${verification.mismatched.length} differ)`,
            `exported     ${result.exported} poison line(s) in ${opened.exportFile}`,
            `still kept   ${result.stillKept} dead letter(s)`,
            `accounted    ${verification.accounted} lines`,
            `verified     ${verification.verified ? "yes" : `NO: ${verification.problems.join("; ")}`}`,
        ].join("\n") + "\n",
    );
    process.exitCode = verification.verified ? 0 : 1;
});

runCommand(async () => {
    await program.parseAsync();
    return Number(process.exitCode ?? 0);
});
