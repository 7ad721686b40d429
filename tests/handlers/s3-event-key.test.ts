import * as assert from "node:assert/strict";
import { decodeS3EventKey } from "../../handlers/splitter/s3-event-key";
import { encodeS3EventKey } from "../support/lambda-events";

describe("decodeS3EventKey", () => {
    it("turns + into a space and %2B into a plus sign, as S3 event notifications encode them", () => {
        assert.equal(decodeS3EventKey("input/my+file%2B1.jsonl"), "input/my file+1.jsonl");
    });

    it("decodes percent-encoded UTF-8", () => {
        assert.equal(decodeS3EventKey("input/%E5%95%86%E5%93%81+%C3%A9.jsonl"), "input/商品 é.jsonl");
    });

    it("round-trips keys with spaces, plus signs, unicode and reserved characters", () => {
        for (const key of ["a b/c+d.jsonl", "データ/ファイル 1.jsonl", "100% & more=(x)?.json", "plain.jsonl"]) {
            assert.equal(decodeS3EventKey(encodeS3EventKey(key)), key);
        }
    });
});
