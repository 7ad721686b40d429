import * as assert from "node:assert/strict";
import { line, runInput, useStandIns } from "./run-input";

/**
 * Input objects whose keys S3 event notifications URL-encode (a space as `+`, unicode as UTF-8
 * percent escapes, `+` itself as `%2B`), through the whole pipeline. The splitter must read the
 * object under its real key, and name that key in every record and dead letter: the run's
 * verification only counts a dead letter whose source key is the uploaded object's.
 */
describe("S3 event keys that need URL-encoding, through the whole pipeline", function () {
    this.timeout(60_000);
    const handle = useStandIns();
    const content = `${line("k-1")}\nnot json\n${line("k-2")}\n`;

    for (const [what, name] of [
        ["spaces", "daily products 2025.jsonl"],
        ["unicode", "商品データ-ü.jsonl"],
        ["+", "c++ 1+1=2.jsonl"],
    ]) {
        it(`splits an object whose key contains ${what}, and traces its dead letter to that key`, async () => {
            const run = await runInput(handle, content, { name });
            assert.equal(run.report.input.key, name);
            assert.equal(run.splitter.objects, 1);
            assert.deepEqual([...run.objects.keys()].sort(), ["product_k-1.json", "product_k-2.json"]);
            assert.deepEqual(run.report.output.deadLetterReasons, { "invalid-json": 1 });
            assert.equal(run.report.output.verified, true, run.report.output.problems.join("; "));
        });
    }
});
