import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { parse as parseYaml } from "yaml";
import { CONFIG_NAMESPACE, SETTING_DEFINITIONS, SETTING_KEYS } from "../../settings/definitions";
import { parseSettings } from "../../settings/parse";
import type { RecordedResource } from "../support/pulumi-mocks";
import { loadIndexProgram, REPO_ROOT } from "../support/pulumi-program";

/** The Pulumi CLI's own project schema, copied into the repository (provenance in schemas/provenance.json). */
const PROJECT_SCHEMA = path.join(REPO_ROOT, "schemas/pulumi-project.schema.json");

interface ConfigDeclaration {
    type: "integer" | "string" | "boolean";
    default: unknown;
    description: string;
}

function readYaml(file: string): any {
    return parseYaml(fs.readFileSync(path.join(REPO_ROOT, file), "utf8"));
}

const project = readYaml("Pulumi.yaml") as { name: string; runtime: unknown; config: Record<string, ConfigDeclaration> };
const stackFiles = fs
    .readdirSync(REPO_ROOT)
    .filter((file) => /^Pulumi\.[^.]+\.yaml$/.test(file))
    .sort();

/** A stack file's config as `pulumi config` hands it to the program: every value a string. */
function stackConfig(file: string): Record<string, string> {
    const config: Record<string, unknown> = readYaml(file).config ?? {};
    return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, String(value)]));
}

/** The stack's own `kinesis-fanout:*` values, without the namespace, typed as in the YAML. */
function projectValues(file: string): Record<string, unknown> {
    const prefix = `${CONFIG_NAMESPACE}:`;
    const config: Record<string, unknown> = readYaml(file).config ?? {};
    return Object.fromEntries(Object.entries(config).filter(([key]) => key.startsWith(prefix)).map(([key, value]) => [key.slice(prefix.length), value]));
}

describe("Pulumi.yaml", () => {
    it("validates against the Pulumi CLI's project schema", function () {
        const schema = JSON.parse(fs.readFileSync(PROJECT_SCHEMA, "utf8"));
        const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
        const valid = validate(project);
        assert.ok(valid, `Pulumi.yaml does not match the schema:\n${JSON.stringify(validate.errors, null, 2)}`);
    });

    it("names the project kinesis-fanout and runs TypeScript on Node.js", () => {
        assert.equal(project.name, CONFIG_NAMESPACE);
        assert.deepEqual(project.runtime, { name: "nodejs", options: { typescript: true } });
    });

    it("declares exactly the keys of SETTING_DEFINITIONS, with the same type, default and description", () => {
        const expected = Object.fromEntries(
            SETTING_KEYS.map((key) => {
                const definition = SETTING_DEFINITIONS[key];
                return [key, { type: definition.type, default: definition.default, description: definition.description }];
            }),
        );
        assert.deepEqual(project.config, expected);
    });
});

describe("the stack files", () => {
    it("include dev and prod", () => {
        assert.ok(stackFiles.includes("Pulumi.dev.yaml") && stackFiles.includes("Pulumi.prod.yaml"), `found ${stackFiles.join(", ")}`);
    });

    it("keep dev small and seed-like: one shard, batches of 100, no parallelization, in ap-northeast-1", () => {
        const config = stackConfig("Pulumi.dev.yaml");
        const { settings } = parseSettings(projectValues("Pulumi.dev.yaml"));
        assert.deepEqual(
            [config["aws:region"], settings.streamMode, settings.shardCount, settings.batchSize, settings.parallelizationFactor],
            ["ap-northeast-1", "PROVISIONED", 1, 100, 1],
        );
    });

    for (const file of stackFiles) {
        describe(file, () => {
            it("sets only keys Pulumi.yaml declares, each with a value of the declared type", () => {
                for (const [key, value] of Object.entries(projectValues(file))) {
                    const declaration = project.config[key];
                    assert.ok(declaration, `${CONFIG_NAMESPACE}:${key} is not declared in Pulumi.yaml`);
                    const matches =
                        declaration.type === "integer" ? Number.isInteger(value) : declaration.type === "boolean" ? typeof value === "boolean" : typeof value === "string";
                    assert.ok(matches, `${CONFIG_NAMESPACE}:${key} is declared ${declaration.type} but ${file} sets ${JSON.stringify(value)}`);
                }
            });

            it("passes validation without warnings", () => {
                assert.deepEqual(parseSettings(projectValues(file)).warnings, []);
            });

            it("builds under mocks, and the stream's and the mapping's inputs are the file's values (defaults where absent)", async () => {
                const { settings } = parseSettings(projectValues(file));
                const { resources, outputs } = await loadIndexProgram(stackConfig(file));
                const only = (type: string): RecordedResource => {
                    const matches = resources.filter((resource) => resource.type === type);
                    assert.equal(matches.length, 1, `expected one ${type}`);
                    return matches[0];
                };
                const stream = only("aws:kinesis/stream:Stream").inputs;
                assert.deepEqual(
                    { streamMode: stream.streamModeDetails.streamMode, shardCount: stream.shardCount, retentionPeriodHours: stream.retentionPeriod },
                    {
                        streamMode: settings.streamMode,
                        shardCount: settings.streamMode === "PROVISIONED" ? settings.shardCount : undefined,
                        retentionPeriodHours: settings.retentionPeriodHours,
                    },
                );
                const mapping = only("aws:lambda/eventSourceMapping:EventSourceMapping").inputs;
                const mappingKeys = [
                    "batchSize",
                    "maximumBatchingWindowInSeconds",
                    "parallelizationFactor",
                    "startingPosition",
                    "bisectBatchOnFunctionError",
                    "maximumRetryAttempts",
                    "maximumRecordAgeInSeconds",
                ] as const;
                assert.deepEqual(
                    Object.fromEntries(mappingKeys.map((key) => [key, mapping[key]])),
                    Object.fromEntries(mappingKeys.map((key) => [key, settings[key]])),
                );
                const region = stackConfig(file)["aws:region"];
                if (region) assert.ok(outputs.dashboardUrl.includes(`region=${region}#`), outputs.dashboardUrl);
            });
        });
    }
});
