import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { configTableMarkdown } from "../settings/config-table";
import { readmeConfigTable } from "../settings/readme-config-table";
import { SETTING_KEYS } from "../settings/definitions";
import { HANDLER_METRIC_NAMES, HANDLER_METRICS } from "../handlers/shared/metric-names";

const readme = fs.readFileSync(path.resolve(__dirname, "../README.md"), "utf8");

describe("the README", () => {
    it("gives the set-up, main-job and test commands for a fresh machine", () => {
        for (const command of ["npm ci", "npm start", "npm test"]) assert.ok(readme.includes(command), `README lacks ${command}`);
    });

    it("has a config table equal to the one the settings definitions produce, with a row per key", () => {
        const table = readmeConfigTable(readme);
        assert.equal(table, configTableMarkdown(), "stale table: run npx ts-node scripts/update-config-docs.ts");
        for (const key of SETTING_KEYS) assert.ok(table.includes(`kinesis-fanout:${key}\``), `no row for ${key}`);
    });

    it("documents every handler metric with the functions that publish it and what it counts, as the metrics table says", () => {
        for (const name of HANDLER_METRIC_NAMES) {
            const { functions, what } = HANDLER_METRICS[name];
            const row = `| \`${name}\` | ${functions.join(", ")} | ${what} |`;
            assert.ok(readme.includes(row), `README lacks the row ${row}`);
        }
    });
});
