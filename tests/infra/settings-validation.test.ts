import * as assert from "node:assert/strict";
import { CONFIG_NAMESPACE, SETTING_DEFINITIONS, SETTING_KEYS, type SettingDefinition, type SettingKey } from "../../settings/definitions";
import { parseSettings, SettingsError } from "../../settings/parse";
import { recorded } from "../support/pulumi-mocks";
import { loadIndexProgram } from "../support/pulumi-program";

/** Values of the right type that the key does not allow, derived from its definition. */
function outOfRange(key: SettingKey, definition: SettingDefinition): unknown[] {
    switch (definition.type) {
        case "integer": {
            const allowed = (value: number) =>
                (definition.oneOf ? definition.oneOf.includes(value) : true) &&
                ((value >= definition.min && (definition.max === undefined || value <= definition.max)) || (definition.also ?? []).includes(value));
            const candidates = [definition.min - 1, definition.max === undefined ? undefined : definition.max + 1, ...(definition.also ?? []).map((value) => value + 1)];
            if (definition.oneOf) candidates.push(definition.oneOf[0] + 1);
            return candidates.filter((value): value is number => value !== undefined && !allowed(value)).map(String);
        }
        case "string": {
            if (definition.oneOf) {
                const first = definition.oneOf[0];
                return ["nope", first === first.toLowerCase() ? first.toUpperCase() : first.toLowerCase()];
            }
            const formats: Partial<Record<SettingKey, string[]>> = {
                partitionKey: ["random", "field:", "field:a-b", "constant:"],
                outputKeyTemplate: ["no-placeholder.json", "../{original_id}.json", "out/{original_id}?.json"],
                // S3 limits a key to 1,024 bytes of UTF-8: 513 "é" are 1,026 bytes but only 513 characters.
                inputPrefix: ["x".repeat(1025), "é".repeat(513)],
                inputSuffix: ["x".repeat(1025), "é".repeat(513)],
            };
            const values = formats[key];
            assert.ok(values, `add invalid values for the free-form string ${key}`);
            return values;
        }
        case "boolean":
            return [];
    }
}

/** Values of the wrong type for the key. */
function wrongType(definition: SettingDefinition): unknown[] {
    switch (definition.type) {
        case "integer":
            return ["abc", "1.5", "", true, 2.5];
        case "boolean":
            return ["yes", "TRUE", 1];
        case "string":
            return [5, true];
    }
}

/** The edges of what the key allows. */
function boundaries(definition: SettingDefinition): unknown[] {
    switch (definition.type) {
        case "integer":
            return definition.oneOf
                ? [definition.oneOf[0], definition.oneOf[definition.oneOf.length - 1]]
                : [definition.min, definition.max, ...(definition.also ?? [])].filter((value) => value !== undefined);
        case "boolean":
            return [true, false, "true", "false"];
        case "string":
            return definition.oneOf ? [...definition.oneOf] : [definition.default];
    }
}

function rejection(raw: Record<string, unknown>): string {
    try {
        parseSettings(raw);
    } catch (error) {
        assert.ok(error instanceof SettingsError, `expected a SettingsError, got ${error}`);
        return error.message;
    }
    assert.fail(`parseSettings accepted ${JSON.stringify(raw).slice(0, 200)}`);
}

describe("stack config validation (parseSettings)", () => {
    for (const key of SETTING_KEYS) {
        const definition: SettingDefinition = SETTING_DEFINITIONS[key];
        const name = `${CONFIG_NAMESPACE}:${key}`;

        for (const value of outOfRange(key, definition)) {
            it(`rejects ${name} = ${JSON.stringify(value).slice(0, 40)}, naming the key and the value`, () => {
                const message = rejection({ [key]: value });
                assert.ok(message.includes(name), message);
                const shown = definition.type === "integer" ? String(value) : JSON.stringify(value);
                const namesValue = definition.type === "integer" || (definition.type === "string" && definition.oneOf !== undefined);
                if (namesValue) assert.ok(message.includes(`(got ${shown})`), message);
            });
        }

        for (const value of wrongType(definition)) {
            it(`rejects ${name} = ${JSON.stringify(value)} as the wrong type, naming the key`, () => {
                const message = rejection({ [key]: value });
                assert.ok(message.includes(name), message);
            });
        }

        it(`accepts ${name} at the edges of what AWS allows`, () => {
            for (const value of boundaries(definition)) {
                const parsed = parseSettings({ [key]: value }).settings[key];
                const expected = definition.type === "boolean" ? value === true || value === "true" : value;
                assert.deepEqual(parsed, expected, `${name} = ${JSON.stringify(value)}`);
            }
        });
    }

    it("rejects a key it does not know, naming it", () => {
        assert.match(rejection({ batchsize: "100" }), /kinesis-fanout:batchsize is not a known key/);
    });

    it("rejects a constant partition key with a parallelization factor above 1, naming both keys", () => {
        const message = rejection({ partitionKey: "constant:test", parallelizationFactor: "2" });
        assert.match(message, /kinesis-fanout:partitionKey/);
        assert.match(message, /kinesis-fanout:parallelizationFactor/);
    });

    it("reports every invalid key at once", () => {
        const message = rejection({ batchSize: "0", shardCount: "x" });
        assert.match(message, /kinesis-fanout:batchSize/);
        assert.match(message, /kinesis-fanout:shardCount/);
    });

    it("stops the program before any resource is registered", async () => {
        await assert.rejects(
            loadIndexProgram({ "aws:region": "us-east-1", "kinesis-fanout:batchSize": "20000" }),
            /kinesis-fanout:batchSize must be between 1 and 10000 \(got 20000\)/,
        );
        assert.deepEqual(recorded, []);
    });
});
