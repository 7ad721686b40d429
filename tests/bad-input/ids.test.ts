import * as assert from "node:assert/strict";
import { S3_KEY_MAX_BYTES } from "../../handlers/shared/output-key";
import { line, runInput, useStandIns, type InputRun } from "./run-input";

/**
 * Hostile ids in one file through the whole pipeline, with the default template
 * `product_{original_id}.json`. An id is written only when it is a safe id (letters with their
 * combining marks, digits, `.`, `_`, `-`, spaces; not only dots) and its key fits in S3's 1,024
 * bytes; anything else is dead-lettered as unsafe-id, and never written under another key.
 */
describe("bad ids through the whole pipeline", function () {
    this.timeout(60_000);
    const handle = useStandIns();
    const longest = "L".repeat(S3_KEY_MAX_BYTES - Buffer.byteLength("product_.json"));
    const ids = {
        slash: "a/b",
        parent: "../escape",
        dots: "..",
        innerDots: "v1..2",
        spaces: "with space",
        cjk: "日本語",
        devanagari: "हिन्दी",
        nfd: "cafe\u0301",
        emoji: "😀",
        tooLong: "x".repeat(1025),
        longest,
    };
    let run: InputRun;

    before(async () => {
        run = await runInput(handle, Object.values(ids).map((id) => line(id)).join("\n") + "\n");
    });

    const written = (id: string) => run.objects.get(`product_${id}.json`)?.toString();

    it("dead-letters an id containing / and writes nothing under any key that contains it", () => {
        assert.equal(written(ids.slash), undefined);
        assert.ok(![...run.objects.keys()].some((key) => key.includes("/")));
    });

    it("dead-letters an id that is or contains a .. path segment, and writes one with dots inside a name", () => {
        assert.equal(written(ids.parent), undefined);
        assert.equal(written(ids.dots), undefined);
        assert.equal(written(ids.innerDots), line(ids.innerDots));
    });

    it("writes an id with spaces under exactly that key", () => {
        assert.equal(written(ids.spaces), line(ids.spaces));
    });

    it("writes unicode ids, combining marks included, under their exact bytes, and dead-letters an emoji id", () => {
        assert.equal(written(ids.cjk), line(ids.cjk));
        assert.equal(written(ids.devanagari), line(ids.devanagari));
        assert.equal(written(ids.nfd), line(ids.nfd));
        assert.equal(written(ids.emoji), undefined);
    });

    it("dead-letters a 1,025-character id, whose key would pass S3's 1,024 bytes, and writes the longest id that fits", () => {
        assert.equal(written(ids.tooLong), undefined);
        assert.equal(written(ids.longest), line(ids.longest));
    });

    it("accounts for every id: five unsafe ones dead-lettered, the rest written, and verifies", () => {
        assert.deepEqual(run.report.output.deadLetterReasons, { "unsafe-id": 5 });
        assert.equal(run.objects.size, 6);
        assert.equal(run.report.output.verified, true, run.report.output.problems.join("; "));
    });
});
