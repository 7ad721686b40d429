import * as assert from "node:assert/strict";
import * as path from "node:path";
import { parseOutputKeyTemplate, renderOutputKey, S3_KEY_MAX_BYTES } from "../../handlers/shared/output-key";
import { decodeLine } from "../../handlers/writer/decode-line";
import { encodeRecord } from "../../handlers/shared/record-envelope";
import { kinesisRecordFactory } from "../support/lambda-events";
import { seededRandom } from "../../runtime/support/seeded-random";

/**
 * Output keys can never leave the configured template's key space, whatever the id. Property
 * style: thousands of ids from a seeded generator (path tricks, URL-encoded slashes, unicode,
 * control characters, very long values, numbers) through several templates. Every rendered key
 * must have the template's literal text around each placeholder, no `/` or `.`/`..` segment that
 * the template does not have, and at most 1,024 bytes; otherwise the id is rejected.
 */


const PIECES = ["../", "..", ".", "/", "\\", "%2F", "%2f", "%2E%2E", "%00", "\u0000", "\n", "\r", "\t", " ", "~", "?", "#", "*", "{", "}", "${x}", "a", "Z", "7", "-", "_", "é", "e\u0301", "日本", "हि", "😀", "\u202e", "\u200d", "\uff0f", "\u2215", "\ufeff", "\uffff", "\ud800", "x".repeat(200), "ü".repeat(300)];

function generatedId(next: () => number): unknown {
    const kind = next();
    if (kind < 0.05) return Math.floor((next() - 0.5) * 2 ** 60);
    if (kind < 0.08) return [null, true, {}, [], 1.5, ""][Math.floor(next() * 6)];
    const count = 1 + Math.floor(next() * 6);
    return Array.from({ length: count }, () => PIECES[Math.floor(next() * PIECES.length)]).join("");
}

const TEMPLATES = ["product_{original_id}.json", "out/{original_id}.json", "{original_id}", "a/{original_id}/b/{original_id}.json", "by-id/{original_id}-{original_id}.txt"];
const PLACEHOLDER = /\{original_id\}/g;

/** Checks one rendered key against its template; returns what is wrong, or undefined. */
function escapes(templateText: string, id: string, key: string): string | undefined {
    if (Buffer.byteLength(key) > S3_KEY_MAX_BYTES) return "longer than 1,024 bytes";
    const literals = templateText.split(PLACEHOLDER);
    const expected = literals.join(id);
    if (key !== expected) return "not the template with the id in each placeholder";
    const segments = key.split("/");
    if (segments.length !== templateText.split("/").length) return "a different number of / segments than the template";
    if (segments.some((segment) => segment === "." || segment === ".." || segment === "")) return "a . , .. or empty segment";
    if (path.posix.normalize(key) !== key || key.startsWith("/")) return "not a normalized relative path";
    if (/%[0-9a-f]{2}|[\u0000-\u001f\u007f\\]/i.test(id)) return "an id with a percent escape, a control character or a backslash";
    return undefined;
}

describe("output keys can never escape the key template", () => {
    for (const templateText of TEMPLATES) {
        it(`keeps every rendered key of ${templateText} inside its key space, over 3,000 generated ids`, () => {
            const template = parseOutputKeyTemplate(templateText);
            const next = seededRandom(templateText.length * 7919);
            let written = 0;
            for (let i = 0; i < 3000; i++) {
                const id = generatedId(next);
                const rendered = renderOutputKey(template, { original_id: id });
                if ("error" in rendered) continue;
                written++;
                const problem = escapes(templateText, String(id), rendered.key);
                assert.equal(problem, undefined, `id ${JSON.stringify(id)} rendered ${JSON.stringify(rendered.key)}: ${problem}`);
            }
            // The generator must also produce ids that are accepted, or the property says nothing.
            assert.ok(written > 100, `only ${written} ids were accepted`);
        });
    }

    it("rejects each known way out: ../, /, %2F, a lone dot segment, control characters and an overlong id", () => {
        const template = parseOutputKeyTemplate("out/{original_id}.json");
        for (const id of ["../x", "..", ".", "a/b", "/abs", "a%2Fb", "%2E%2E", "a\\b", "a\u0000b", "line\nbreak", "\uff0f", "x".repeat(1025), ""]) {
            assert.ok("error" in renderOutputKey(template, { original_id: id }), JSON.stringify(id));
        }
    });

    it("rejects templates that could leave the key space on their own", () => {
        for (const text of ["../{original_id}", "/abs/{original_id}", "a/./{original_id}", "a/../{original_id}", "a%2F{original_id}", "{original_id}?x", "no-placeholder"]) {
            assert.throws(() => parseOutputKeyTemplate(text), Error, text);
        }
    });

    it("gives the writer no way around it: a record whose JSON names the id twice, through the prototype or in an escaped form, is dead-lettered", () => {
        const template = parseOutputKeyTemplate("product_{original_id}.json");
        const source = { bucket: "in", key: "k.jsonl", line: 1 };
        const outcome = (text: string) => decodeLine(kinesisRecordFactory(encodeRecord(source, Buffer.from(text))), template);
        // The last duplicate wins in JSON.parse: the key must come from the parsed value, not the first text match.
        const twice = outcome('{"original_id":"safe","original_id":"../x"}');
        assert.equal(twice.kind, "poison");
        assert.equal(outcome('{"original_id":"\\u002e\\u002e\\u002fx"}').kind, "poison");
        assert.equal(outcome('{"__proto__":{"original_id":"../x"}}').kind, "poison");
        assert.equal(parseOutputKeyTemplate("{constructor}").fields[0], "constructor");
        assert.equal(decodeLine(kinesisRecordFactory(encodeRecord(source, Buffer.from("{}"))), parseOutputKeyTemplate("{constructor}")).kind, "poison");
    });
});
