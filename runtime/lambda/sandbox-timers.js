"use strict";
/**
 * Time dilation inside a sandbox: the handler's own waits take K times as long in wall time.
 *
 * Under a time scale K every modelled AWS duration outside the sandbox (latencies, timeouts,
 * polling) lasts K times as long, and the CPU share is divided by K. A handler's own sleeps must
 * stretch the same way, or a backoff of 100 ms between retries lasts only 100 / K ms of AWS time,
 * K times shorter than on AWS: measured here, the splitter's PutRecords retries on the dev stack's
 * one throttled shard grew from 5,825 throttled entries at K = 1 to 19,641 at K = 8, where its
 * 10 attempts ran out and it failed. This scales the delay of every timer the handler (and the
 * AWS SDK's retry strategy and request timeouts) sets through setTimeout, setInterval and
 * timers/promises. Node's own internals (sockets, the HTTP agent) are left alone.
 *
 * Plain JavaScript, loaded by sandbox-bootstrap.js before the function's module.
 */
const timers = require("node:timers");
const timersPromises = require("node:timers/promises");
const util = require("node:util");

/** The real timers, for the bootstrap's own waits (which are already in wall time). */
const realSetTimeout = globalThis.setTimeout;

/** The K every dilated timer waits by; changed by the parent's `time-scale` message (setTimeScale). */
let currentScale = 1;
let installed = false;

/**
 * Makes every later setTimeout / setInterval / timers/promises wait `timeScale` times as long.
 * A scale of 1 (or less) changes nothing until a larger one comes.
 */
function dilateTimers(timeScale) {
    setTimeScale(timeScale);
}

/**
 * A new K for the timers set from now on (the run's K changed: runtime/clock.ts, rescale). A
 * timer already waiting keeps the wait it was given; the handler's waits are short next to the
 * run (an SDK backoff), so the stretch of K it straddles is small.
 */
function setTimeScale(timeScale) {
    if (!(Number.isFinite(timeScale) && timeScale > 0)) return;
    currentScale = timeScale;
    if (timeScale > 1 && !installed) install();
}

function install() {
    installed = true;
    const scaled = (delay) => (typeof delay === "number" && delay > 0 && currentScale !== 1 ? delay * currentScale : delay);
    const original = {
        setTimeout: globalThis.setTimeout,
        setInterval: globalThis.setInterval,
        promisesSetTimeout: timersPromises.setTimeout,
        promisesSetInterval: timersPromises.setInterval,
    };
    const setTimeoutScaled = (callback, delay, ...args) => original.setTimeout(callback, scaled(delay), ...args);
    const setIntervalScaled = (callback, delay, ...args) => original.setInterval(callback, scaled(delay), ...args);
    const promisesSetTimeout = (delay, value, options) => original.promisesSetTimeout(scaled(delay), value, options);
    const promisesSetInterval = (delay, value, options) => original.promisesSetInterval(scaled(delay), value, options);
    setTimeoutScaled[util.promisify.custom] = promisesSetTimeout;
    globalThis.setTimeout = timers.setTimeout = setTimeoutScaled;
    globalThis.setInterval = timers.setInterval = setIntervalScaled;
    timersPromises.setTimeout = promisesSetTimeout;
    timersPromises.setInterval = promisesSetInterval;
    if (timersPromises.scheduler && typeof timersPromises.scheduler.wait === "function") {
        const wait = timersPromises.scheduler.wait.bind(timersPromises.scheduler);
        timersPromises.scheduler.wait = (delay, options) => wait(scaled(delay), options);
    }
}

module.exports = { dilateTimers, setTimeScale, realSetTimeout };
