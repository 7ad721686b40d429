import * as assert from "node:assert/strict";
import { ManualClock, ScaledClock } from "../../runtime/clock";
import { stepAfterColdStarts } from "../../runtime/time-scale/step-after-cold-starts";

/** A writer pool's inits, told by hand. */
function initsByHand() {
    let watcher: ((inits: { ready: number; running: number }) => void) | undefined;
    return {
        watchInits(next: (inits: { ready: number; running: number }) => void) {
            watcher = next;
            return () => (watcher = undefined);
        },
        end(ready: number, running: number) {
            watcher?.({ ready, running });
        },
        get watched() {
            return watcher !== undefined;
        },
    };
}

describe("the step down after the writers' cold starts", () => {
    it("rescales the clock once, when as many sandboxes as the cold start's lanes are ready and none is still in its init", () => {
        const clock = new ScaledClock(35.5, new ManualClock(0));
        const pool = initsByHand();
        stepAfterColdStarts(clock, pool, { timeScale: 11.5, lanes: 3 });
        pool.end(1, 2);
        pool.end(2, 1);
        assert.equal(clock.scale, 35.5, "two of three lanes started");
        pool.end(3, 1);
        assert.equal(clock.scale, 35.5, "a fourth sandbox is still in its init");
        pool.end(4, 0);
        assert.equal(clock.scale, 11.5);
        assert.equal(pool.watched, false, "it stops watching after the step");
        assert.deepEqual(
            clock.scales.map((stretch) => stretch.scale),
            [35.5, 11.5],
        );
    });

    it("keeps the cold start's K for the whole run when fewer lanes ever start", () => {
        const clock = new ScaledClock(8.5, new ManualClock(0));
        const pool = initsByHand();
        stepAfterColdStarts(clock, pool, { timeScale: 5.5, lanes: 8 });
        for (let ready = 1; ready <= 5; ready++) pool.end(ready, 0);
        assert.equal(clock.scale, 8.5);
    });

    it("refuses a cold start of no lanes", () => {
        assert.throws(() => stepAfterColdStarts(new ScaledClock(4), initsByHand(), { timeScale: 2, lanes: 0 }), /the cold start's lanes must be a whole number of at least 1 \(got 0\)/);
    });
});
