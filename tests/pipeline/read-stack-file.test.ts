import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { listStacks, readStackFile } from "../../runtime/stack/read-stack-file";
import { tempDir } from "../support/temp-dir";

function projectWith(files: Record<string, string>): string {
    const dir = tempDir("stacks-");
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
    return dir;
}

describe("reading a stack file for the embedded runtime", () => {
    it("takes the kinesis-fanout values, typed or quoted, and fills in the defaults", () => {
        const dir = projectWith({
            "Pulumi.test.yaml": 'config:\n  aws:region: eu-west-1\n  kinesis-fanout:shardCount: 3\n  kinesis-fanout:batchSize: "250"\n  other:key: 1\n',
        });
        const stack = readStackFile(dir, "test");
        assert.equal(stack.region, "eu-west-1");
        assert.equal(stack.settings.shardCount, 3);
        assert.equal(stack.settings.batchSize, 250);
        assert.equal(stack.settings.parallelizationFactor, 1);
    });

    it("names the file, the key, the value and what is allowed when a value is invalid", () => {
        const dir = projectWith({ "Pulumi.bad.yaml": "config:\n  kinesis-fanout:batchSize: 20000\n" });
        assert.throws(() => readStackFile(dir, "bad"), /Pulumi\.bad\.yaml: .*kinesis-fanout:batchSize must be between 1 and 10000 \(got 20000\)/s);
    });

    it("lists the stacks there are when the stack asked for has no file", () => {
        const dir = projectWith({ "Pulumi.dev.yaml": "config: {}\n", "Pulumi.prod.yaml": "config: {}\n" });
        assert.deepEqual(listStacks(dir), ["dev", "prod"]);
        assert.throws(() => readStackFile(dir, "qa"), /no stack "qa".*stacks here: dev, prod/);
    });
});

describe("reading a malformed stack file or stack name", () => {
    it("names the file when its YAML does not parse", () => {
        const dir = projectWith({ "Pulumi.broken.yaml": "config:\n  kinesis-fanout:batchSize: [1,\n" });
        assert.throws(() => readStackFile(dir, "broken"), /Pulumi\.broken\.yaml is not valid YAML/);
    });

    it("refuses a stack name that could reach outside the project folder", () => {
        assert.throws(() => readStackFile(os.tmpdir(), "../etc"), /stack names may use only letters, digits/);
    });

    it("rejects a key left without a value instead of taking its default", () => {
        const dir = projectWith({ "Pulumi.empty.yaml": "config:\n  kinesis-fanout:batchSize:\n" });
        assert.throws(() => readStackFile(dir, "empty"), /kinesis-fanout:batchSize must be an integer \(got null\)/);
    });
});
