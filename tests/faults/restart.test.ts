import * as assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunReport } from "../../runtime/pipeline/run-report";
import { readRunManifest } from "../../runtime/restart/run-manifest";
import { tempDir } from "../support/temp-dir";

const PROJECT_DIR = path.resolve(__dirname, "../..");
const NODE = process.execPath;

function runCli(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
    const child = spawn(NODE, ["-r", "ts-node/register/transpile-only", "runtime/cli.ts", ...args], { cwd: PROJECT_DIR, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
    return { child, done };
}

function checkpointFile(stateDir: string): string | undefined {
    const dir = path.join(stateDir, "checkpoints");
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => name.endsWith(".json")) : [];
    return files[0] && path.join(dir, files[0]);
}

interface Restarted {
    stateDir: string;
    first: { code: number | null; stderr: string };
    second: { code: number | null; stdout: string; stderr: string };
    report: RunReport;
}

/**
 * Runs `npm start`'s entry point on a fresh state folder, sends it SIGINT once `interruptWhen`
 * holds, then runs it again on the same folder to the end. The AWS profile (1,000 records/s per
 * shard, 50 ms a PutObject) makes the dev stack take several seconds, so there is a middle to stop in.
 */
async function stopAndRestart(records: number, interruptWhen: (stateDir: string) => boolean): Promise<Restarted> {
    const work = tempDir("restart-");
    const stateDir = path.join(work, "state");
    const args = ["--stack", "dev", "--records", String(records), "--record-bytes", "256", "--poison", "4", "--aws-profile", "--no-s3-ceiling", "--state", stateDir];
    const run = runCli(args);
    const deadline = Date.now() + 60_000;
    while (!interruptWhen(stateDir) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    run.child.kill("SIGINT");
    const first = await run.done;
    const reportFile = path.join(work, "second.json");
    const second = await runCli([...args, "--report", reportFile]).done;
    const report = JSON.parse(fs.readFileSync(reportFile, "utf8")) as RunReport;
    return { stateDir, first, second, report };
}

/**
 * Issue 5, Restart: "Stop the runtime in the middle of a run (SIGINT). Start it again on the same
 * state folder (--state DIR). It resumes from the checkpoints, and the result reconciles." With
 * real processes: `npm start`'s entry point, its stand-ins and sandboxes, stopped and started again.
 */
describe("a run stopped with SIGINT and started again on the same --state folder", function () {
    this.timeout(120_000);

    describe("stopped while the writers work, after the splitter finished", () => {
        let run: Restarted;

        before(async () => {
            run = await stopAndRestart(1500, (stateDir) => readRunManifest(stateDir)?.splitDone === true && checkpointFile(stateDir) !== undefined);
        });

        it("stops the first run partway with exit code 130, leaving checkpoints and a manifest in the state folder", () => {
            assert.equal(run.first.code, 130, run.first.stderr);
            assert.match(run.first.stderr, /interrupted/);
            assert.equal(readRunManifest(run.stateDir)?.inputKey, "products-1500x256-poison4.jsonl");
        });

        it("resumes without uploading the input or splitting it again, reading only what the checkpoints had not passed", () => {
            assert.equal(run.second.code, 0, run.second.stderr);
            assert.equal(run.report.restart?.uploadSkipped, true);
            assert.equal(run.report.restart?.splitRedelivered, false);
            assert.equal(run.report.invocations.splitter, 0);
            assert.ok(run.report.restart!.recordsReadThisRun < 1502, `read ${run.report.restart!.recordsReadThisRun} of 1,502 records after the checkpoints`);
            assert.ok(run.report.restart!.recordsReadThisRun > 0, "the first run was stopped before it had finished");
            assert.match(run.second.stdout, /resumed {6}input already uploaded/);
        });

        it("reconciles the output of both runs with the input, dead letters of the first run included", () => {
            assert.deepEqual(run.report.output.problems, []);
            assert.equal(run.report.output.verified, true);
            assert.equal(run.report.output.objects, 1500);
            assert.equal(run.report.output.deadLettered, 4);
        });
    });

    describe("stopped while the splitter is still putting records", () => {
        let run: Restarted;

        before(async () => {
            run = await stopAndRestart(1500, (stateDir) => readRunManifest(stateDir)?.splitDone === false);
        });

        it("resumes without uploading the input again, and delivers the splitter's event again", () => {
            assert.equal(run.first.code, 130, run.first.stderr);
            assert.equal(run.second.code, 0, run.second.stderr);
            assert.equal(run.report.restart?.uploadSkipped, true);
            assert.equal(run.report.restart?.splitRedelivered, true);
            assert.equal(run.report.invocations.splitter, 1);
        });

        it("reconciles, although the stream now holds some lines twice", () => {
            assert.deepEqual(run.report.output.problems, []);
            assert.equal(run.report.output.verified, true);
            assert.equal(run.report.output.objects, 1500);
            assert.equal(run.report.output.deadLettered, 4);
            assert.equal(readRunManifest(run.stateDir)?.splitDone, true);
        });
    });
});
