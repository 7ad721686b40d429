import * as assert from "node:assert/strict";
import { readSplitterConfig } from "../../handlers/splitter/config";
import { readWriterConfig } from "../../handlers/writer/config";
import { splitterEnvironment, writerEnvironment } from "../../handlers/shared/environment";

describe("handler configuration from environment variables", () => {
    it("reads back exactly what splitterEnvironment and writerEnvironment build", () => {
        const splitter = readSplitterConfig(splitterEnvironment({ streamName: "s", deadLetterQueueUrl: "q", partitionKey: "field:original_id", maxChainInvocations: 1000 }));
        assert.deepEqual(splitter, { streamName: "s", deadLetterQueueUrl: "q", partitionKey: { kind: "field", field: "original_id" }, maxChainInvocations: 1000 });
        const writer = readWriterConfig(writerEnvironment({ outputBucket: "o", deadLetterQueueUrl: "q", outputKeyTemplate: "p/{id}.json", writerConcurrency: 16 }));
        assert.equal(writer.outputBucket, "o");
        assert.equal(writer.concurrency, 16);
        assert.deepEqual(writer.outputKeyTemplate.fields, ["id"]);
    });

    it("names the variable that is missing or wrong and what is allowed", () => {
        assert.throws(() => readSplitterConfig({ PARTITION_KEY: "line-hash", DEAD_LETTER_QUEUE_URL: "q" }), /STREAM_NAME is not set/);
        assert.throws(() => readSplitterConfig({ STREAM_NAME: "s", DEAD_LETTER_QUEUE_URL: "q", PARTITION_KEY: "sometimes" }), /PARTITION_KEY must be `field:/);
        assert.throws(
            () => readSplitterConfig({ STREAM_NAME: "s", DEAD_LETTER_QUEUE_URL: "q", PARTITION_KEY: "line-hash", MAX_CHAIN_INVOCATIONS: "0" }),
            /MAX_CHAIN_INVOCATIONS must be a whole number of invocations ≥ 1 \(got "0"\)/,
        );
        const writer = { OUTPUT_BUCKET: "o", DEAD_LETTER_QUEUE_URL: "q", OUTPUT_KEY_TEMPLATE: "p_{id}.json" };
        assert.throws(() => readWriterConfig({ ...writer, WRITER_CONCURRENCY: "0" }), /WRITER_CONCURRENCY must be an integer from 1 to 1000 \(got "0"\)/);
        assert.throws(() => readWriterConfig({ ...writer, WRITER_CONCURRENCY: "4", OUTPUT_KEY_TEMPLATE: "no-placeholder" }), /OUTPUT_KEY_TEMPLATE must contain at least one \{field\}/);
    });
});
