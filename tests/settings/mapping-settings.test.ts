import * as assert from "node:assert/strict";
import { parseSettings } from "../../settings/parse";

/**
 * The event source mapping trusts its settings: they are checked once, here, when a stack's config
 * is read (these assertions were the mapping's own check before).
 */
describe("the event source mapping's settings, as the stack config checks them", () => {
    it("names every mapping setting outside what AWS allows", () => {
        // services-kinesis-parameters: BatchSize "Maximum: 10,000"; ParallelizationFactor "Maximum: 10";
        // MaximumRetryAttempts "Minimum: -1 Maximum: 10,000".
        assert.throws(
            () => parseSettings({ batchSize: "10001", parallelizationFactor: "11", maximumRetryAttempts: "-2" }),
            (error: Error) =>
                /batchSize must be between 1 and 10000 \(got 10001\)/.test(error.message) &&
                /parallelizationFactor must be between 1 and 10 \(got 11\)/.test(error.message) &&
                /maximumRetryAttempts must be between -1 and 10000 \(got -2\)/.test(error.message),
        );
    });

    it("refuses AT_TIMESTAMP, which needs a time the stack config can't give", () => {
        assert.throws(() => parseSettings({ startingPosition: "AT_TIMESTAMP" }), /startingPosition must be one of TRIM_HORIZON, LATEST \(got "AT_TIMESTAMP"\)/);
    });
});
