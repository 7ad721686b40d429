import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseSettings } from "../../settings/parse";
import { buildProgram, REPO_ROOT, resourcesOf } from "../support/pulumi-program";

const RUNBOOK_HEADING = "### When things fail: what to do";

/** The runbook table's alarm names, from its rows' first cell. */
function runbookAlarms(): string[] {
    const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf(RUNBOOK_HEADING), readme.indexOf("\n## ", readme.indexOf(RUNBOOK_HEADING)));
    return [...section.matchAll(/^\| `([a-z-]+)` \|/gm)].map((match) => match[1]);
}

describe("the README's runbook under Pulumi mocks", () => {
    it("has one row for every alarm the program creates, and none for an alarm it does not", async () => {
        const built = await buildProgram(parseSettings({}).settings, { "aws:region": "eu-west-1" });
        const alarms = resourcesOf(built, "aws:cloudwatch/metricAlarm:MetricAlarm").map((alarm) => alarm.name.replace(/^kinesis-fanout-monitoring-/, ""));
        assert.ok(alarms.includes("lines-dead-lettered"), alarms.join(", "));
        assert.deepEqual(runbookAlarms().sort(), alarms.sort());
    });
});
