import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { expectedOutput } from "../../runtime/pipeline/expected-output";
import { tempDir } from "../support/temp-dir";

const options = { bucket: "in", key: "products.jsonl", outputKeyTemplate: "product_{original_id}.json", partitionKey: "field:original_id" };

function fileWith(content: Buffer | string): string {
    const file = path.join(tempDir("expected-"), "input.jsonl");
    fs.writeFileSync(file, content);
    return file;
}

describe("the expected output of an input file", () => {
    it("expects one object per valid line, keyed by the template, and skips blank and whitespace-only lines", async () => {
        const expected = await expectedOutput(fileWith('\uFEFF{"original_id":"a"}\r\n\r\n{"original_id":2}\n \t\n'), options);
        assert.equal(expected.records, 2);
        assert.equal(expected.blankLines, 2);
        assert.deepEqual([...expected.objects.keys()], ["product_a.json", "product_2.json"]);
        assert.equal(expected.objects.get("product_a.json")!.bytes, Buffer.byteLength('{"original_id":"a"}'));
        assert.equal(expected.objects.get("product_2.json")!.line, 3);
    });

    it("lets the later line win for a repeated id and lists the earlier one as superseded", async () => {
        const expected = await expectedOutput(fileWith('{"original_id":"x","v":1}\n{"original_id":"x","v":2}\n'), options);
        assert.equal(expected.objects.get("product_x.json")!.line, 2);
        assert.deepEqual(expected.superseded, [{ line: 1, key: "product_x.json", supersededBy: 2 }]);
    });

    it("expects each invalid line to be dead-lettered with its reason", async () => {
        const lines = [
            "not json",
            "[1,2]",
            '{"name":"no id"}',
            '{"original_id":"../escape"}',
            '{"original_id":"a/b"}',
            `{"original_id":"${"x".repeat(1025)}"}`,
        ];
        const invalidUtf8 = Buffer.from([0x7b, 0xff, 0x7d]);
        const content = Buffer.concat([Buffer.from(lines.join("\n") + "\n"), invalidUtf8, Buffer.from("\n"), Buffer.from(`{"original_id":"big","d":"${"y".repeat(1024 * 1024)}"}`)]);
        const expected = await expectedOutput(fileWith(content), options);
        assert.deepEqual(Object.fromEntries(expected.deadLetters), {
            1: "invalid-json",
            2: "not-an-object",
            3: "unsafe-id",
            4: "unsafe-id",
            5: "unsafe-id",
            6: "unsafe-id",
            7: "invalid-encoding",
            8: "line-too-large",
        });
        assert.equal(expected.objects.size, 0);
        assert.equal(expected.records, 8);
    });

    it("reads a gzip file as its decompressed lines", async () => {
        const expected = await expectedOutput(fileWith(gzipSync('{"original_id":"g1"}\n{"original_id":"g2"}\n')), options);
        assert.deepEqual([...expected.objects.keys()], ["product_g1.json", "product_g2.json"]);
    });
});
