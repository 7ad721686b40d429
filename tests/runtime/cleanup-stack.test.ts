import * as assert from "node:assert/strict";
import { CleanupStack } from "../../runtime/support/cleanup-stack";

describe("a phase's cleanup stack", () => {
    it("undoes what was started in reverse order, and goes on past a cleanup that fails", async () => {
        const undone: string[] = [];
        {
            await using cleanup = new CleanupStack();
            assert.equal(cleanup.adopt("stand-ins", (name) => undone.push(name)), "stand-ins");
            cleanup.adopt("proxy", () => {
                throw new Error("already closed");
            });
            cleanup.adopt("clients", async (name) => void undone.push(name));
        }
        assert.deepEqual(undone, ["clients", "stand-ins"]);
    });

    it("hands its cleanups to a new stack with move(), so a phase that started whole leaves them to its owner", async () => {
        const undone: string[] = [];
        let owned: CleanupStack;
        {
            await using cleanup = new CleanupStack();
            cleanup.adopt("server", (name) => undone.push(name));
            owned = cleanup.move();
        }
        assert.deepEqual(undone, [], "leaving the phase undoes nothing");
        await owned[Symbol.asyncDispose]();
        assert.deepEqual(undone, ["server"]);
    });

    it("undoes a half-started phase when a later step throws", async () => {
        const undone: string[] = [];
        const startPhase = async () => {
            await using cleanup = new CleanupStack();
            cleanup.adopt("first", (name) => undone.push(name));
            throw new Error("the second step failed");
        };
        await assert.rejects(startPhase(), /the second step failed/);
        assert.deepEqual(undone, ["first"]);
    });
});
