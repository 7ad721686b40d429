import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { CONFIG_NAMESPACE, SETTING_DEFINITIONS, SETTING_KEYS, type SettingDefinition, type SettingKey } from "../../settings/definitions";
import { readStackFile } from "../../runtime/stack/read-stack-file";
import { tempDir } from "../support/temp-dir";

const REPO_ROOT = path.resolve(__dirname, "../..");

/**
 * Bad stack config as `npm start` reads it: typed YAML values in `Pulumi.<stack>.yaml` (lists,
 * maps, booleans, floats, not only the strings `pulumi config set` writes; those are covered in
 * tests/infra/settings-validation.test.ts). Every key, given the wrong type or a value out of its
 * range, stops the run with an error naming the file and the key.
 */

/** A YAML value of the wrong type for the key. */
function wrongTypeValues(definition: SettingDefinition): unknown[] {
    switch (definition.type) {
        case "integer":
            return [true, [1], { value: 1 }, 1.5];
        case "boolean":
            return [1, "yes", [true]];
        case "string":
            return [5, false, ["a"], { a: 1 }];
    }
}

/** A value of the right type that the key does not allow. */
function outOfRangeValue(key: SettingKey, definition: SettingDefinition): unknown {
    switch (definition.type) {
        case "integer":
            return definition.oneOf ? definition.oneOf[0] + 1 : definition.min - (definition.also?.includes(definition.min - 1) ? 2 : 1);
        case "boolean":
            return undefined;
        case "string": {
            if (definition.oneOf) return "not-one-of-them";
            const free: Partial<Record<SettingKey, string>> = {
                partitionKey: "random",
                outputKeyTemplate: "../{original_id}.json",
                inputPrefix: "p".repeat(1025),
                inputSuffix: "s".repeat(1025),
            };
            assert.ok(free[key], `add an invalid value for the free-form string ${key}`);
            return free[key];
        }
    }
}

function projectWith(stack: string, config: Record<string, unknown>): string {
    const dir = tempDir("bad-config-");
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringify({ config }));
    return dir;
}

function readError(key: SettingKey, value: unknown): string {
    const dir = projectWith("bad", { "aws:region": "us-east-1", [`${CONFIG_NAMESPACE}:${key}`]: value });
    try {
        readStackFile(dir, "bad");
    } catch (error) {
        return (error as Error).message;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.fail(`readStackFile accepted ${key}: ${JSON.stringify(value)?.slice(0, 60)}`);
}

describe("bad stack config, as npm start reads it from Pulumi.<stack>.yaml", () => {
    for (const key of SETTING_KEYS) {
        const definition: SettingDefinition = SETTING_DEFINITIONS[key];
        const name = `${CONFIG_NAMESPACE}:${key}`;

        it(`rejects ${name} given a YAML value of the wrong type, naming the file and the key`, () => {
            for (const value of wrongTypeValues(definition)) {
                const message = readError(key, value);
                assert.ok(message.startsWith("Pulumi.bad.yaml: "), message);
                assert.ok(message.includes(`${name} must be`), `${JSON.stringify(value)}: ${message}`);
            }
        });

        const outOfRange = outOfRangeValue(key, definition);
        if (outOfRange === undefined) continue;
        it(`rejects ${name} given a value out of its range, naming the file and the key`, () => {
            const message = readError(key, outOfRange);
            assert.ok(message.startsWith("Pulumi.bad.yaml: "), message);
            assert.ok(message.includes(name), message);
        });
    }

    it("stops `npm start` itself with exit code 2 and the key in the message, before anything runs", function () {
        this.timeout(30_000);
        // The CLI reads stacks next to runtime/: a folder that links to this project's code, with a bad stack file of its own.
        const project = projectWith("bad", { [`${CONFIG_NAMESPACE}:batchSize`]: 20000, [`${CONFIG_NAMESPACE}:bisectBatchOnFunctionError`]: "yes" });
        try {
            for (const entry of ["runtime", "handlers", "settings", "planner", "node_modules", "tsconfig.json", "package.json"]) {
                fs.symlinkSync(path.join(REPO_ROOT, entry), path.join(project, entry));
            }
            const cli = spawnSync(
                path.join(REPO_ROOT, "node_modules/.bin/node"),
                ["--preserve-symlinks", "--preserve-symlinks-main", "-r", "ts-node/register/transpile-only", "runtime/cli.ts", "--stack", "bad"],
                { cwd: project, encoding: "utf8", timeout: 25_000 },
            );
            assert.equal(cli.status, 2, cli.stderr);
            assert.match(cli.stderr, /^error: Pulumi\.bad\.yaml: invalid stack config:/);
            assert.match(cli.stderr, /kinesis-fanout:batchSize must be between 1 and 10000 \(got 20000\)/);
            assert.match(cli.stderr, /kinesis-fanout:bisectBatchOnFunctionError must be true or false \(got "yes"\)/);
            assert.equal(cli.stdout, "");
        } finally {
            fs.rmSync(project, { recursive: true, force: true });
        }
    });
});
