import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { SETTING_DEFINITIONS, SETTING_KEYS } from "../../settings/definitions";
import { pulumiConfigBlock, pulumiYamlConfigBlock, replacePulumiConfigBlock } from "../../settings/pulumi-yaml-config";

const pulumiYaml = fs.readFileSync(path.resolve(__dirname, "../../Pulumi.yaml"), "utf8");

describe("Pulumi.yaml's config block", () => {
    it("is the one settings/definitions.ts writes (run npx ts-node scripts/update-config-docs.ts when this fails)", () => {
        assert.equal(pulumiYamlConfigBlock(pulumiYaml), pulumiConfigBlock());
    });

    it("parses back to every key's type, default and description, in the table's order", () => {
        const config = parseYaml(pulumiConfigBlock()).config as Record<string, unknown>;
        assert.deepEqual(Object.keys(config), SETTING_KEYS);
        for (const key of SETTING_KEYS) {
            const { type, default: value, description } = SETTING_DEFINITIONS[key];
            assert.deepEqual(config[key], { type, default: value, description }, key);
        }
    });

    it("is replaced whole by a rewrite, and the project's name, runtime and description above it stay", () => {
        const stale = pulumiYaml.replace(/default: 100\n/, "default: 99\n");
        assert.notEqual(stale, pulumiYaml);
        assert.equal(replacePulumiConfigBlock(stale, pulumiConfigBlock()), pulumiYaml);
    });
});
