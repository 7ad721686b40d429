import * as assert from "node:assert/strict";
import { Command } from "commander";
import { addFaultOptions, faultOptionsFrom } from "../../runtime/faults/cli-options";
import { resolveFaultOptions } from "../../runtime/faults/fault-options";

/** The fault flags on `npm start` (and `npm run compare`, through the same two functions). */
describe("the fault flags", () => {
    function parse(args: string[]): Record<string, unknown> {
        const command = addFaultOptions(new Command().exitOverride().configureOutput({ writeErr: () => undefined }));
        command.parse(args, { from: "user" });
        return command.opts();
    }

    it("reads every flag into FaultOptions", () => {
        const options = faultOptionsFrom(
            parse(["--fail-put-rate", "0.1", "--fail-write-rate", "0.05", "--crash-rate", "0.02", "--duplicate-rate", "0.2", "--duplicate-async-rate", "0.3", "--poison", "8", "--fault-seed", "4"]),
        );

        assert.deepEqual(options, { failPutRate: 0.1, failWriteRate: 0.05, crashRate: 0.02, duplicateRate: 0.2, duplicateAsyncRate: 0.3, poison: 8, seed: 4 });
    });

    it("gives no fault options when no fault is asked for", () => {
        assert.equal(faultOptionsFrom(parse([])), undefined);
        assert.equal(faultOptionsFrom(parse(["--fail-put-rate", "0"])), undefined);
    });

    it("rejects a rate outside 0 to 1 and names the flag", () => {
        assert.throws(() => parse(["--crash-rate", "1.5"]), /--crash-rate must be a probability from 0 to 1/);
        assert.throws(() => parse(["--fail-write-rate", "-0.1"]), /--fail-write-rate must be a probability/);
        assert.throws(() => parse(["--poison", "two"]), /--poison must be a whole number/);
    });

    it("rejects out-of-range options given in code, naming each one", () => {
        assert.throws(() => resolveFaultOptions({ failPutRate: 2, poison: -1 }), /failPutRate must be a probability from 0 to 1 \(got 2\); poison must be a whole number/);
    });
});
