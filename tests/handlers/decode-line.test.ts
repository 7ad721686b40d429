import * as assert from "node:assert/strict";
import { decodeLine } from "../../handlers/writer/decode-line";
import { findSuperseded } from "../../handlers/writer/latest-wins";
import { compareSequenceNumbers } from "../../handlers/shared/sequence-numbers";
import { parseOutputKeyTemplate } from "../../handlers/shared/output-key";
import { encodeRecord } from "../../handlers/shared/record-envelope";
import { kinesisRecordFactory } from "../support/lambda-events";

const template = parseOutputKeyTemplate("product_{original_id}.json");
const decode = (text: string | Buffer, line = 1, key = "in/f.jsonl", sequenceNumber?: string) =>
    decodeLine(kinesisRecordFactory(encodeRecord({ bucket: "in", key, line }, Buffer.from(text)), { sequenceNumber }), template);

describe("decodeLine", () => {
    it("keeps the line's exact bytes as the body, whitespace and key order included", () => {
        const text = ' { "b":1, "original_id" : 7 } ';
        const outcome = decode(text);
        assert.equal(outcome.kind, "write");
        assert.equal(outcome.kind === "write" && outcome.body.toString(), text);
        assert.equal(outcome.kind === "write" && outcome.key, "product_7.json");
    });

    it("never reads an id from the object's prototype", () => {
        const constructorTemplate = parseOutputKeyTemplate("x_{constructor}.json");
        const outcome = decodeLine(kinesisRecordFactory(encodeRecord({ bucket: "in", key: "k", line: 1 }, Buffer.from("{}"))), constructorTemplate);
        assert.deepEqual([outcome.kind, outcome.kind === "poison" && outcome.reason], ["poison", "unsafe-id"]);
    });

    it("treats a BOM inside a line as invalid JSON rather than dropping it", () => {
        const outcome = decode(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"original_id":1}')]));
        assert.deepEqual([outcome.kind, outcome.kind === "poison" && outcome.reason], ["poison", "invalid-json"]);
    });

    it("renders an integer id beyond 2^53 from its exact digits, as the seed's Python does, and accepts zero", () => {
        const big = decode('{"original_id":12345678901234567890}');
        assert.equal(big.kind === "write" && big.key, "product_12345678901234567890.json");
        const negative = decode('{"original_id":-98765432109876543210}');
        assert.equal(negative.kind === "write" && negative.key, "product_-98765432109876543210.json");
        const zero = decode('{"original_id":0}');
        assert.equal(zero.kind === "write" && zero.key, "product_0.json");
    });

    it("still rejects a number id that is not an integer literal", () => {
        for (const text of ['{"original_id":1.5}', '{"original_id":1e21}', '{"original_id":12345678901234567890.0}']) {
            const outcome = decode(text);
            assert.equal(outcome.kind === "poison" && outcome.reason, "unsafe-id", text);
        }
    });
});

describe("findSuperseded", () => {
    const write = (line: number, key: string, sequenceNumber: string, sourceKey = "in/f.jsonl") => {
        const outcome = decode(`{"original_id":"${key}"}`, line, sourceKey, sequenceNumber);
        if (outcome.kind !== "write") throw new Error("expected a write");
        return outcome;
    };

    it("keeps the highest line number of the same source object and names the lines it supersedes", () => {
        const [a, b, c] = [write(5, "1", "300"), write(9, "1", "100"), write(2, "1", "200")];
        const [only, ...none] = findSuperseded([a, b, c, write(1, "2", "400")]);
        assert.equal(none.length, 0);
        assert.equal(only.winner, b);
        assert.deepEqual(only.superseded.map((w) => w.source.line).sort(), [2, 5]);
    });

    it("keeps the later sequence number for the same line delivered twice, or for different source objects", () => {
        const twice = findSuperseded([write(3, "1", "20"), write(3, "1", "10")]);
        assert.equal(twice[0].winner.sequenceNumber, "20");
        const crossFile = findSuperseded([write(9, "1", "10", "in/a.jsonl"), write(1, "1", "20", "in/b.jsonl")]);
        assert.equal(crossFile[0].winner.source.key, "in/b.jsonl");
    });

    it("compares sequence numbers as numbers, not as text", () => {
        assert.ok(compareSequenceNumbers("100", "99") > 0);
        assert.ok(compareSequenceNumbers("49590338271490256608559692538361571095921575989136588898", "49590338271490256608559692538361571095921575989136589898") < 0);
        assert.equal(compareSequenceNumbers("7", "7"), 0);
    });
});
