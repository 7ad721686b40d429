import * as assert from "node:assert/strict";
import { parseSettings } from "../../settings/parse";
import { buildProgram, resourceOf } from "../support/pulumi-program";

/**
 * The writer's reserved concurrency ("Configuring reserved concurrency"): a stack can keep the
 * writer's executions out of the account's shared pool, and cap them. The splitter never reserves.
 */
describe("the writer's reserved concurrency", () => {
    it("sets reservedConcurrentExecutions on the writer from writerReservedConcurrency", async () => {
        const { settings } = parseSettings({ writerReservedConcurrency: "8" });
        const built = await buildProgram(settings);

        assert.equal(resourceOf(built, "aws:lambda/function:Function", "kinesis-fanout-writer").inputs.reservedConcurrentExecutions, 8);
        assert.equal(resourceOf(built, "aws:lambda/function:Function", "kinesis-fanout-splitter").inputs.reservedConcurrentExecutions, -1);
    });

    it("reserves nothing by default (-1, the provider's 'unreserved')", async () => {
        const { settings } = parseSettings({});
        const built = await buildProgram(settings);

        assert.equal(resourceOf(built, "aws:lambda/function:Function", "kinesis-fanout-writer").inputs.reservedConcurrentExecutions, -1);
    });

    it("refuses a reservation that would leave the default account less than 100 unreserved, saying what is allowed", () => {
        assert.throws(() => parseSettings({ writerReservedConcurrency: "901" }), /writerReservedConcurrency.*(900|-1)/);
        assert.throws(() => parseSettings({ writerReservedConcurrency: "0" }), /writerReservedConcurrency/);
    });
});
