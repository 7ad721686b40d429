import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { tempDir } from "../support/temp-dir";

const PROJECT_DIR = path.resolve(__dirname, "../..");
const run = promisify(execFile);

/** One of the project's commands, as `npm start` / `npm run dead-letters` run it; resolves with its output and exit code. */
async function command(script: string, args: string[]): Promise<{ stdout: string; code: number }> {
    try {
        const { stdout } = await run(process.execPath, ["-r", "ts-node/register/transpile-only", script, ...args], { cwd: PROJECT_DIR, maxBuffer: 64 * 1024 * 1024 });
        return { stdout, code: 0 };
    } catch (error) {
        const failed = error as { stdout?: string; stderr?: string; code?: number };
        return { stdout: `${failed.stdout ?? ""}${failed.stderr ?? ""}`, code: failed.code ?? -1 };
    }
}

/**
 * The done-when sequence on the embedded stand-ins, through the real commands: a run whose
 * mapping gives up on failing batches at once (maximumRetryAttempts 0) with half the writer's
 * PutObject calls failing and 10 poison lines; then `dead-letters list`, `redrive` twice and
 * `verify` on its --state folder. Small enough to take well under a minute of its own.
 */
describe("dead letters, end to end: a failing run, list, redrive twice, verify", function () {
    this.timeout(240_000);
    const RECORDS = 150;
    let state: string;
    let started: { stdout: string; code: number };

    before(async () => {
        state = path.join(tempDir("dead-letters-e2e-"), "state");
        started = await command("runtime/cli.ts", [
            "--state", state,
            "--records", String(RECORDS),
            "--record-bytes", "256",
            "--fail-write-rate", "0.5",
            "--poison", "10",
            "--config", "maximumRetryAttempts=0",
            "--config", "batchSize=10",
            "--no-s3-ceiling",
        ]);
    });

    it("ends the run with failed batches in the failure bucket and 10 poison dead letters, and says so", () => {
        assert.equal(started.code, 1, `the run must report missing objects until the redrive:\n${started.stdout}`);
        const line = /to redrive\s+(\d+) failed batch\(es\) in s3:\/\/kinesis-fanout-dev-failures, (\d+) poison line\(s\)/.exec(started.stdout);
        assert.ok(line, started.stdout);
        assert.ok(Number(line[1]) > 0, "some batches must have failed");
        assert.equal(Number(line[2]), 10);
    });

    it("lists them by kind", async () => {
        const { stdout, code } = await command("runtime/dead-letters-cli.ts", ["list", "--state", state, "--json"]);
        assert.equal(code, 0, stdout);
        const listed = JSON.parse(stdout);
        assert.ok(listed.byKind["failed-batch"] > 0);
        assert.ok(listed.byKind["poison-line"] >= 10);
        assert.equal(Object.keys(listed.byKind).sort().join(","), "failed-batch,poison-line");
        assert.ok(listed.letters.filter((letter: { where: string }) => letter.where === "failure-bucket").length === listed.byKind["failed-batch"]);
    });

    it("redrives every failed batch and exports the 10 poison lines, then a second redrive changes nothing", async () => {
        const first = await command("runtime/dead-letters-cli.ts", ["redrive", "--state", state]);
        assert.equal(first.code, 0, first.stdout);
        const exportFile = path.join(state, "poison-lines.jsonl");
        const exported = fs.readFileSync(exportFile, "utf8").trim().split("\n").map((text) => JSON.parse(text));
        assert.equal(exported.length, 10);
        for (const line of exported) {
            assert.match(line.sourceKey, /\.jsonl$/);
            assert.ok(Number.isInteger(line.line) && line.line > 0);
            assert.ok(line.base64, `line ${line.line} was exported without its bytes`);
        }
        assert.match(first.stdout, /redrive: \d+ redriven, 10 poison line\(s\) newly exported/);

        const second = await command("runtime/dead-letters-cli.ts", ["redrive", "--state", state]);
        assert.equal(second.code, 0, second.stdout);
        assert.match(second.stdout, /redrive: 0 redriven, 0 poison line\(s\) newly exported/);
        assert.equal(fs.readFileSync(exportFile, "utf8").trim().split("\n").length, 10);
    });

    it("then reconciles: every valid line written with its exact bytes, every poison line exported", async () => {
        const { stdout, code } = await command("runtime/dead-letters-cli.ts", ["verify", "--state", state]);
        assert.equal(code, 0, stdout);
        assert.match(stdout, new RegExp(`written\\s+${RECORDS} objects \\(0 missing, 0 differ\\)`));
        assert.match(stdout, /exported\s+10 poison line/);
        assert.match(stdout, /still kept\s+0 dead letter/);
        assert.match(stdout, /verified\s+yes/);
    });
});
