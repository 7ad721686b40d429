import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { tempDir } from "../support/temp-dir";

const PROJECT_DIR = path.resolve(__dirname, "../..");

/**
 * `npm run compare` end to end on a tiny workload: the real CLI process, real stand-ins behind the
 * AWS profile, both shipped stacks, and the files it writes.
 */
describe("npm run compare on a tiny workload", function () {
    this.timeout(180_000);
    let stdout: string;
    let report: any;
    let html: string;

    before(async () => {
        const out = tempDir("compare-");
        const result = await promisify(execFile)(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", "runtime/compare-cli.ts", "dev", "prod", "--records", "300", "--html", path.join(out, "compare.html"), "--report", path.join(out, "compare.json")],
            { cwd: PROJECT_DIR, maxBuffer: 16 * 1024 * 1024 },
        );
        stdout = result.stdout;
        report = JSON.parse(fs.readFileSync(path.join(out, "compare.json"), "utf8"));
        html = fs.readFileSync(path.join(out, "compare.html"), "utf8");
    });

    it("prints a table with a column per stack and a row for each setting that differs", () => {
        assert.match(stdout, /│\s+dev\s+│\s+prod\s+│/);
        assert.match(stdout, /shardCount\s+│\s+1\s+│\s+4\s+│/);
        assert.match(stdout, /parallelizationFactor\s+│\s+1\s+│\s+2\s+│/);
        assert.doesNotMatch(stdout, /│ startingPosition/, "a setting both stacks share is not a row");
        for (const label of ["records/s", "throttled put entries", "max iterator age", "dead-lettered", "planned on AWS: seconds", "monthly cost"]) {
            assert.ok(stdout.includes(label), `no row "${label}"`);
        }
    });

    it("runs both stacks under the AWS profile and verifies each run", () => {
        assert.equal(report.awsProfile, true);
        assert.deepEqual(report.stacks.map((stack: any) => stack.stack), ["dev", "prod"]);
        for (const stack of report.stacks) {
            assert.equal(stack.run.output.verified, true, `${stack.stack}: ${stack.run.output.problems}`);
            assert.equal(stack.run.output.objects, 300);
            assert.ok(stack.run.awsProfile.stats.kinesis.putEntries >= 300);
            assert.ok(stack.prediction.seconds > 0 && stack.cost.monthlyUsd > 0);
        }
    });

    it("checks each run's writer CPU against the calibration, and never calls a run outside the band representative", () => {
        assert.ok(stdout.includes("writer CPU ÷ calibration"), "a row for the check");
        for (const stack of report.stacks) {
            const check = stack.writerCpu;
            assert.ok(check.measuredMs > 0 && check.calibratedMs > 0, `${stack.stack}: ${JSON.stringify(check)}`);
            assert.ok(Math.abs(check.ratio - check.measuredMs / check.calibratedMs) < 1e-9);
            assert.equal(check.paceRatio === undefined, !check.cpuBound, "a pace ratio exactly when some invocations' CPU set the pace");
            assert.equal(check.within, !check.cpuBound || (check.paceRatio! >= 0.8 && check.paceRatio! <= 1.25));
            assert.equal(stack.representative, !stack.run.headroom.cpuBound && check.within);
            if (!check.within) assert.match(stdout, new RegExp(`⚠ writer CPU: .*${stack.stack}'s sandboxes used ${check.paceRatio!.toFixed(2)}×`));
        }
    });

    it("runs each stack at its own automatic K, steps it down after the cold starts where its running lanes need less, shows it in a row, and says the scales once", () => {
        const { autoTimeScales } = require("../../runtime/time-scale/auto-time-scale") as typeof import("../../runtime/time-scale/auto-time-scale");
        const { plannerLatencies } = require("../../runtime/compare/compare-stacks") as typeof import("../../runtime/compare/compare-stacks");
        assert.equal(report.timeScaleAutomatic, true);
        const cells: string[] = [];
        const said: string[] = [];
        for (const stack of report.stacks) {
            const expected = autoTimeScales(stack.settings, { records: 300, recordBytes: report.workload.recordBytes }, plannerLatencies({}));
            assert.equal(stack.timeScale, expected.timeScale, `${stack.stack}'s K`);
            assert.equal(stack.run.timeScale, expected.timeScale, `${stack.stack}'s run started at its K`);
            const settled = stack.run.timeScaleSettled;
            // dev and prod keep one K (prod's running lanes need more than its cold start); a stack that has a step
            // takes it once the planned lanes are ready, which a tiny run may not reach.
            if (!expected.timeScaleAfterColdStarts) assert.equal(settled, undefined, `${stack.stack} has one K and does not step`);
            if (settled) {
                assert.equal(settled.timeScale, expected.timeScaleAfterColdStarts?.timeScale, `${stack.stack} stepped to its running lanes' K`);
                cells.push(`${stack.timeScale} → ${settled.timeScale} at ${settled.atSeconds.toFixed(1)} s`);
                said.push(`${stack.timeScale} then ${settled.timeScale} (${stack.stack})`);
            } else {
                cells.push(String(stack.timeScale));
                said.push(`${stack.timeScale} (${stack.stack})`);
            }
        }
        const [dev, prod] = report.stacks;
        // prod's 8 writer lanes start at once; dev's one does not need the same dilation.
        assert.ok(prod.timeScale > dev.timeScale, `dev K = ${dev.timeScale}, prod K = ${prod.timeScale}`);
        const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        assert.match(stdout, new RegExp(`time scale K\\s+│\\s+${escape(cells[0])}\\s+│\\s+${escape(cells[1])}\\s+│`));
        const line = stdout.split("\n").filter((text) => text.startsWith("time scale K = "));
        assert.deepEqual(line.length, 1, "said once");
        assert.ok(line[0].includes(`${said.join(", ")}, each stack's own (automatic`), line[0]);
    });

    it("writes a self-contained page with both charts, the data of each stack and the table", () => {
        assert.ok(html.includes("Records written over time") && html.includes("Iterator age over time"));
        assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=/, "nothing is fetched");
        assert.ok(html.includes('"stack":"dev"') && html.includes('"stack":"prod"'));
        assert.ok(html.includes("<th>parallelizationFactor</th>"));
    });
});

describe("the planner's latencies for a compared run", () => {
    // Imported here so the end-to-end block above stays a pure CLI test.
    const { plannerLatencies } = require("../../runtime/compare/compare-stacks") as typeof import("../../runtime/compare/compare-stacks");
    const { SEED_LATENCIES } = require("../../planner") as typeof import("../../planner");

    it("are the seed's calls as the function sees them when the profile keeps its defaults", () => {
        assert.deepEqual(plannerLatencies({}), SEED_LATENCIES);
    });

    it("add the SDK's own share to a delay the user gives the proxy", () => {
        const latencies = plannerLatencies({ putRecordsLatencyMs: 18, s3PutObjectLatencyMs: 98 });
        assert.equal(latencies.putRecordsCallMs, 20);
        assert.equal(latencies.s3PutObjectMs, 100);
    });
});
