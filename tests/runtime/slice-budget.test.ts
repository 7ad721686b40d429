import * as assert from "node:assert/strict";
import { SliceBudget } from "../../runtime/lambda/slice-budget";

describe("One CPU slice per window past the kernel's 1 s period", () => {
    it("lets a process run until it has used the window's slice, then holds it until the next window", () => {
        const budget = new SliceBudget(29_000, 1_000_000);

        assert.equal(budget.poll(1_010_000), true, "10 ms of 29 used");
        assert.equal(budget.poll(1_028_000), true, "28 ms used");
        assert.equal(budget.poll(1_029_000), false, "the slice is used up");
        assert.equal(budget.startWindow(1_029_000), true, "a new window gives a new slice");
        assert.equal(budget.remainingUs, 29_000);
    });

    it("makes use caught late shorten the next windows' slices, so the share over many windows stays exact", () => {
        const budget = new SliceBudget(10_000, 0);

        // The kernel refilled its part of the window before a poll saw the slice used: 25 ms used in a 10 ms window.
        assert.equal(budget.poll(25_000), false);
        assert.equal(budget.startWindow(25_000), false, "15 ms owed: the whole next window is held");
        assert.equal(budget.remainingUs, -5_000);
        assert.equal(budget.startWindow(25_000), true, "5 ms owed: a slice of 5 ms");
        assert.equal(budget.remainingUs, 5_000);
        assert.equal(budget.poll(30_000), false);
        // Three windows of 10 ms: 30 ms used.
    });

    it("saves no unused CPU for later windows, as the kernel's quota does not", () => {
        const budget = new SliceBudget(10_000, 0);

        assert.equal(budget.startWindow(2_000), true);
        assert.equal(budget.remainingUs, 10_000, "8 ms unused in the first window are gone");
        assert.equal(budget.poll(12_000), false);
    });

    it("ignores a usage reading that went backwards, and rejects a slice of nothing", () => {
        const budget = new SliceBudget(10_000, 5_000);

        assert.equal(budget.poll(4_000), true);
        assert.equal(budget.remainingUs, 10_000);
        assert.throws(() => new SliceBudget(0, 0), /a slice must be more than 0 µs \(got 0\)/);
    });

    it("polls sooner as the slice runs out, as fast as the process could use it on all the cores", () => {
        const budget = new SliceBudget(28_943, 0);
        assert.equal(budget.nextPollMs(2, 1, 50), 28_943 / 1000 / 2, "a fresh 28.9 ms slice lasts 14.5 ms on 2 cores");
        assert.equal(new SliceBudget(200_000, 0).nextPollMs(2, 1, 50), 50, "never longer than the longest poll");
        budget.poll(28_500);
        assert.equal(budget.nextPollMs(2, 1, 50), 1, "never shorter than the shortest");
    });
});
