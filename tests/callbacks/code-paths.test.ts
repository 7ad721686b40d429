import * as assert from "node:assert/strict";
import { builtinModules } from "node:module";
import * as pulumi from "@pulumi/pulumi";
import { createSplitterHandler } from "../../handlers/splitter";
import { createWriterHandler } from "../../handlers/writer";
import { serializeHandler } from "../../runtime/lambda/serialize-handler";

/** Packages used only to build, test or run locally: none may be zipped into a Lambda. */
const TOOLING = [
    "typescript",
    "ts-node",
    "mocha",
    "kinesalite",
    "fauxqs",
    "node",
    "aws-sdk-client-mock",
    "commander",
    "cli-progress",
    "yaml",
    "ajv",
    "@types/node",
    "@types/aws-lambda",
];

/** The package a `require` specifier names: `@scope/name/dist/x.js` -> `@scope/name`. */
function packageOf(specifier: string): string {
    const parts = specifier.split("/");
    return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

function requiredPackages(moduleText: string): string[] {
    const specifiers = [...moduleText.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]);
    const builtins = new Set(builtinModules);
    return [...new Set(specifiers.filter((s) => !s.startsWith("node:") && !builtins.has(s)).map(packageOf))].sort();
}

describe("what pulumi would package with the Lambda code", () => {
    let packaged: Set<string>;

    before(async () => {
        // The same options CallbackFunction passes (it always excludes the v2 aws-sdk).
        const codePaths = await pulumi.runtime.computeCodePaths({ extraExcludePackages: ["aws-sdk"] });
        packaged = new Set([...codePaths.keys()].map((key) => key.replace(/^node_modules\//, "")));
    });

    it("packages no tooling package", () => {
        assert.deepEqual(
            TOOLING.filter((name) => packaged.has(name)),
            [],
        );
    });

    it("packages no Pulumi SDK, which a function never needs", () => {
        assert.deepEqual(
            [...packaged].filter((name) => name.startsWith("@pulumi/")),
            [],
        );
    });

    for (const [name, factory] of [
        ["splitter", createSplitterHandler],
        ["writer", createWriterHandler],
    ] as const) {
        it(`packages every package the serialized ${name} requires`, async () => {
            const { text } = await serializeHandler(factory);
            const required = requiredPackages(text);
            assert.ok(required.includes("@aws-sdk/client-s3"), `the ${name} requires ${required.join(", ")}`);
            assert.deepEqual(
                required.filter((pkg) => !packaged.has(pkg)),
                [],
            );
        });
    }
});
