import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../support/pulumi-program";

/**
 * The copy of the Pulumi CLI's project schema that tests/infra/stack-files.test.ts validates
 * Pulumi.yaml against: it is the file its provenance names, and not older than the Pulumi major
 * version the project installs.
 */
interface Provenance {
    repository: string;
    path: string;
    commit: string;
    release: string;
    license: string;
    licenseFile: string;
    copiedOn: string;
    sha256: string;
}

const SCHEMAS = path.join(REPO_ROOT, "schemas");
const provenance: Provenance = JSON.parse(fs.readFileSync(path.join(SCHEMAS, "provenance.json"), "utf8"))["pulumi-project.schema.json"];

/** The major version of a release tag or semver string such as "v3.259.0" or "3.248.0". */
function majorOf(version: string): number {
    const match = /^v?(\d+)\.\d+\.\d+/.exec(version);
    if (!match) throw new Error(`not a version: ${JSON.stringify(version)} (expected MAJOR.MINOR.PATCH, optionally with a leading v)`);
    return Number(match[1]);
}

describe("the copy of the Pulumi project schema", () => {
    it("names its source file in pulumi/pulumi, the commit, the licence and the date it was copied", () => {
        assert.equal(provenance.repository, "https://github.com/pulumi/pulumi");
        assert.equal(provenance.path, "sdk/go/common/workspace/project.json");
        assert.match(provenance.commit, /^[0-9a-f]{40}$/);
        assert.equal(provenance.license, "Apache-2.0");
        assert.match(fs.readFileSync(path.join(SCHEMAS, provenance.licenseFile), "utf8"), /Apache License\s+Version 2\.0/);
        assert.match(provenance.copiedOn, /^\d{4}-\d{2}-\d{2}$/);
    });

    it("is byte for byte the file its provenance records (same SHA-256)", () => {
        const actual = createHash("sha256").update(fs.readFileSync(path.join(SCHEMAS, "pulumi-project.schema.json"))).digest("hex");
        assert.equal(actual, provenance.sha256, "schemas/pulumi-project.schema.json was edited or replaced: copy it again from pulumi/pulumi and update schemas/provenance.json");
    });

    it("comes from a Pulumi release of at least the major version of the installed @pulumi/pulumi", () => {
        const installed: string = JSON.parse(fs.readFileSync(require.resolve("@pulumi/pulumi/package.json"), "utf8")).version;
        assert.ok(
            majorOf(provenance.release) >= majorOf(installed),
            `the project schema was copied from Pulumi ${provenance.release}, older than the installed @pulumi/pulumi ${installed}: ` +
                `copy sdk/go/common/workspace/project.json from a ${majorOf(installed)}.x release of pulumi/pulumi into schemas/ and update schemas/provenance.json`,
        );
    });

    it("reads a release tag's major version and rejects anything else with a clear error", () => {
        assert.deepEqual([majorOf("v3.259.0"), majorOf("4.0.1"), majorOf("v10.2.3-alpha")], [3, 4, 10]);
        assert.throws(() => majorOf("latest"), /not a version: "latest" \(expected MAJOR\.MINOR\.PATCH/);
    });
});

describe("the test suite", () => {
    it("reads nothing outside the repository (no ../shared, no absolute /work paths)", () => {
        const offenders: string[] = [];
        const visit = (dir: string) => {
            for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
                const file = path.join(dir, entry.name);
                if (entry.isDirectory()) visit(file);
                else if (file.endsWith(".ts") && file !== __filename) {
                    const text = fs.readFileSync(file, "utf8");
                    if (/["'`]\.\.\/shared\//.test(text) || /REPO_ROOT,\s*["'`]\.\.\//.test(text) || /["'`]\/work\//.test(text)) offenders.push(path.relative(REPO_ROOT, file));
                }
            }
        };
        visit(path.join(REPO_ROOT, "tests"));
        assert.deepEqual(offenders, []);
    });
});
