import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import * as fs from "node:fs";
import * as path from "node:path";
import { FunctionPool, type InvocationResult } from "../../runtime/lambda/function-pool";
import { MIN_SLICE_US, openCpuCgroups, quotaFor, type CpuCgroups } from "../../runtime/lambda/cpu-cgroups";
import { initCores, invokeCores, type CpuShareChoice } from "../../runtime/lambda/cpu-share";
import { formatCpuShareLine } from "../../runtime/pipeline/run-report";

const REPO_ROOT = path.join(__dirname, "../..");

/**
 * Lambda's CPU share on real sandboxes. Lambda docs, "Configure Lambda function memory": "At
 * 1,769 MB, a function has the equivalent of one vCPU". The comparisons are ratios of the same
 * fixed work at two memory sizes, never absolute timings.
 */

/** A fixed amount of CPU work per invocation (about 50 to 150 ms of one core here), and the same at init when asked. */
const BUSY = `
function spin(n) { let x = 0; for (let i = 0; i < n; i++) x = (x * 31 + i) | 0; return x; }
if (process.env.INIT_SPIN) spin(Number(process.env.INIT_SPIN));
exports.handler = async (event) => spin(event.n);
`;
const WORK = 60_000_000;

/** A process's CPU time (user + system, all threads) from /proc, in ms: 10 ms resolution. */
function processCpuMs(pid: number): number {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command's closing parenthesis.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** A node process running `script`, joined to a cgroup at `cores` and time scale K; `end` kills it, waits for its exit, removes the group. */
function processInGroup(cgroups: CpuCgroups, script: string, cores: number, timeScale: number) {
    const child = spawn(process.execPath, ["-e", script], { stdio: "ignore" });
    const group = cgroups.join(child.pid!, cores, timeScale);
    const end = async () => {
        const exited = once(child, "exit");
        child.kill("SIGKILL");
        await exited;
        group.remove();
    };
    return { pid: child.pid!, group, end };
}

describe("Lambda's CPU share", function () {
    this.timeout(120_000);
    const pools: FunctionPool[] = [];

    function pool(memoryMb: number, cpuShare: CpuShareChoice, environment: Record<string, string> = {}, timeScale = 1): FunctionPool {
        const created = new FunctionPool(
            { functionName: `cpu-${memoryMb}`, handler: { text: BUSY, exportName: "handler" }, environment, memoryMb, timeoutSeconds: 60, region: "us-east-1" },
            { cpuShare, timeScale },
        );
        pools.push(created);
        return created;
    }

    afterEach(async () => {
        await Promise.all(pools.splice(0).map((created) => created.close()));
    });

    /** One cold invocation to start the sandbox, then the warm one that is measured. */
    async function warmDuration(fn: FunctionPool): Promise<InvocationResult> {
        await fn.invoke({ n: 1000 });
        const warm = await fn.invoke({ n: WORK });
        assert.ok(warm.ok && !warm.coldStart, `the measured invocation ran warm: ${warm.errorMessage ?? ""}`);
        return warm;
    }

    it("gives a sandbox memoryMb / 1,769 of a core, divided by the time scale, and a full core (÷ K) during init", () => {
        assert.equal(invokeCores(1769), 1);
        assert.equal(invokeCores(128), 128 / 1769);
        assert.equal(invokeCores(256, 4), 256 / 1769 / 4);
        assert.equal(initCores(128), 1, "on-demand init runs on a full vCPU");
        assert.equal(initCores(128, 2), 0.5);
        assert.equal(initCores(3538), 2, "init never gets less than the memory share");
    });

    it("turns a share into a slice of at least the calibration's 28.9 ms (512 MB's), over a 100 ms window where that fits and a longer one where not", () => {
        assert.equal(MIN_SLICE_US, 28_942);
        assert.deepEqual(quotaFor(512 / 1769), { periodUs: 100_000, quotaUs: 28_943, windowUs: 100_000 });
        assert.deepEqual(quotaFor(2), { periodUs: 100_000, quotaUs: 200_000, windowUs: 100_000 });
        // 256 MB: 0.145 of a core, 28.9 ms every 200 ms rather than 14.5 ms every 100 ms; 128 MB, every 400 ms.
        assert.deepEqual(quotaFor(256 / 1769), { periodUs: 199_994, quotaUs: 28_942, windowUs: 199_994 });
        assert.deepEqual(quotaFor(128 / 1769), { periodUs: 399_988, quotaUs: 28_942, windowUs: 399_988 });
        // A window past the kernel's 1 s period is cut into equal parts (here 6), each allowed the whole slice.
        assert.deepEqual(quotaFor(0.005), { periodUs: 964_733, quotaUs: 28_942, windowUs: 5_788_400 });
        assert.throws(() => quotaFor(0), /more than 0 cores/);
    });

    it("dilates the quota's window by the time scale, so a sandbox runs in slices as long as at K = 1", () => {
        // 512 MB at K = 4: 0.0724 of a core over a 400 ms period = the same 28.9 ms slice as 0.289 of a core over 100 ms.
        assert.deepEqual(quotaFor(512 / 1769 / 4, 4), { periodUs: 400_000, quotaUs: 28_943, windowUs: 400_000 });
        assert.deepEqual(quotaFor(512 / 1769, 1), { periodUs: 100_000, quotaUs: 28_943, windowUs: 100_000 });
        assert.throws(() => quotaFor(0.1, 0), /time scale must be more than 0/);
    });

    it("cuts a window past the kernel's 1 s period into equal periods of at most 1 s, each allowed the window's whole slice", () => {
        // 512 MB at K = 35.5: a window of 3.55 s holds one 28.9 ms slice, as 0.289 of a core over 100 ms on AWS.
        assert.deepEqual(quotaFor(512 / 1769 / 35.5, 35.5), { periodUs: 887_500, quotaUs: 28_943, windowUs: 3_550_000 });
        assert.deepEqual(quotaFor(1 / 20, 20), { periodUs: 1_000_000, quotaUs: 100_000, windowUs: 2_000_000 });
    });

    it("counts each sandbox's CPU and its events' records by invocation ordinal, its cold start's first, for the warm-up curve", async () => {
        // Prepare: one sandbox (invocations one after another), at local speed
        const fn = pool(1769, "off");
        // Act: events with 2, 0 and 5 Records (a Kinesis batch's shape)
        for (const records of [2, 0, 5]) await fn.invoke({ n: 1000, Records: Array.from({ length: records }, () => ({})) });
        // Assess
        const { cpuMsByOrdinal, invocationsByOrdinal, recordsByOrdinal, invocationCpuMs } = fn.stats().cpuShare;
        assert.deepEqual(invocationsByOrdinal, [1, 1, 1]);
        assert.deepEqual(recordsByOrdinal, [2, 0, 5]);
        assert.equal(cpuMsByOrdinal.length, 3);
        assert.ok(Math.abs(cpuMsByOrdinal.reduce((sum, cpu) => sum + cpu, 0) - invocationCpuMs) < 1e-9, "the ordinals add up to the whole");
        assert.ok(cpuMsByOrdinal.every((cpu) => cpu > 0), `each invocation used some CPU: ${cpuMsByOrdinal.join(", ")}`);
    });

    it("rejects an unknown --cpu-share and names the allowed ones", function () {
        this.timeout(30_000);
        const cli = spawnSync(path.join(REPO_ROOT, "node_modules/.bin/node"), ["-r", "ts-node/register/transpile-only", "runtime/cli.ts", "--cpu-share", "fast"], {
            cwd: REPO_ROOT,
            encoding: "utf8",
            timeout: 25_000,
        });
        assert.notEqual(cli.status, 0);
        assert.match(cli.stderr, /--cpu-share must be one of auto, cgroup, measured, off \(got "fast"\)/);
        assert.throws(
            () => new FunctionPool({ functionName: "f", handler: { text: BUSY, exportName: "handler" }, environment: {}, memoryMb: 128, timeoutSeconds: 1, region: "us-east-1" }, { cpuShare: "fast" as CpuShareChoice }),
            /cpuShare must be one of auto, cgroup, measured, off \(got "fast"\)/,
        );
    });

    it("makes a 128 MB writer at least 3 times slower than a 1,769 MB one on CPU-bound work, measured in the sandbox", async () => {
        const small = await warmDuration(pool(128, "measured"));
        const large = await warmDuration(pool(1769, "measured"));

        assert.equal(pools[0].stats().cpuShare.mode, "measured");
        assert.ok(small.durationMs >= 3 * large.durationMs, `128 MB took ${small.durationMs} ms, 1,769 MB ${large.durationMs} ms`);
        assert.ok(pools[0].stats().cpuShare.addedWaitMs > 0, "the measured mode lengthened the 128 MB invocation");
        const line = formatCpuShareLine({ splitter: pools[1].stats().cpuShare, writer: pools[0].stats().cpuShare });
        assert.match(line, /^ {2}cpu share {4}measured: writer 0\.072 core \(init 1\.000\), splitter 1\.000 core \(init 1\.000\); CPU used writer \d/);
    });

    it("makes a 128 MB writer at least 3 times slower than a 1,769 MB one on CPU-bound work, held by the kernel's CPU quota", async function () {
        const cgroups = openCpuCgroups();
        if (!cgroups) this.skip();
        const small = await warmDuration(pool(128, "cgroup"));
        const large = await warmDuration(pool(1769, "cgroup"));

        assert.equal(pools[0].stats().cpuShare.mode, cgroups?.mode);
        assert.equal(pools[0].stats().cpuShare.addedWaitMs, 0, "the kernel, not a wait, held it back");
        assert.ok(small.durationMs >= 3 * large.durationMs, `128 MB took ${small.durationMs} ms, 1,769 MB ${large.durationMs} ms`);
    });

    it("divides the share by the time scale: at K = 4 the same work takes at least 3 times as long", async () => {
        const atOne = await warmDuration(pool(512, "measured", {}, 1));
        const atFour = await warmDuration(pool(512, "measured", {}, 4));

        assert.ok(atFour.durationMs >= 3 * atOne.durationMs, `K = 4 took ${atFour.durationMs} ms, K = 1 ${atOne.durationMs} ms`);
    });

    it("runs init on a full core: a 128 MB cold start with heavy init is not held to the memory share", async function () {
        const cgroups = openCpuCgroups();
        if (!cgroups) this.skip();
        const fn = pool(128, "cgroup", { INIT_SPIN: String(WORK) });
        const cold = await fn.invoke({ n: 1000 });
        const warm = await fn.invoke({ n: WORK });

        assert.ok(cold.ok && cold.coldStart && warm.ok);
        // The same work, once at init (a full core) and once in an invocation (0.072 of a core).
        assert.ok(warm.durationMs >= 3 * cold.durationMs, `init's work took ${cold.durationMs} ms cold, the invocation's ${warm.durationMs} ms`);
    });

    it("keeps a busy process past K = 10 to one slice per window of 100 ms x K, though the kernel refills its quota sooner", async function () {
        const cgroups = openCpuCgroups();
        if (!cgroups) this.skip();
        // A full vCPU at K = 12: a window of 1.2 s holding one 100 ms slice. The kernel's period is half the
        // window (600 ms, each allowed the whole slice), so the kernel alone would give it 200 ms a window.
        const { pid, group, end } = processInGroup(cgroups!, "for (;;) {}", 1 / 12, 12);
        try {
            assert.equal(group.windowed, true);
            assert.equal(fs.readFileSync(path.join(group.dir, "cpu.cfs_period_us"), "utf8").trim(), "600000");
            assert.equal(fs.readFileSync(path.join(group.dir, "cpu.cfs_quota_us"), "utf8").trim(), "100000");
            const windows = 4;
            await new Promise((resolve) => setTimeout(resolve, windows * 1200));

            const usedMs = processCpuMs(pid);

            // One slice per window, give or take one and a half (the poll's lag, and the window running when read).
            assert.ok(usedMs <= (windows + 1.5) * 100, `used ${usedMs} ms of CPU in ${windows} windows of one 100 ms slice (the kernel alone gives 200 ms a window)`);
            assert.ok(usedMs >= (windows - 1.5) * 100, `used ${usedMs} ms of CPU in ${windows} windows: the slices were given`);
        } finally {
            await end();
        }
    });

    it("drives a window the invocations' share stretches past 1 s, though init's window needed no driver", async function () {
        const cgroups = openCpuCgroups();
        if (!cgroups) this.skip();
        // Init on a full vCPU at K = 4: a 400 ms window the kernel holds alone. Then a 128 MB sandbox's share at
        // K = 4 (0.072 ÷ 4 = 0.018 of a core): its 28.9 ms slice needs a window of 1.6 s, cut into two kernel periods
        // of 800 ms that each allow the whole slice, so without the driver it would get twice its share.
        const { pid, group, end } = processInGroup(cgroups!, "for (;;) {}", 1 / 4, 4);
        try {
            assert.equal(group.windowed, false);
            const share = 128 / 1769 / 4;
            const { windowUs, quotaUs, periodUs } = quotaFor(share, 4);
            assert.ok(windowUs > 1_000_000 && Math.abs(2 * periodUs - windowUs) <= 1, `window ${windowUs} µs in periods of ${periodUs}`);
            group.setCores(share);
            assert.equal(group.windowed, true);
            const before = processCpuMs(pid);
            const windows = 4;
            await new Promise((resolve) => setTimeout(resolve, (windows * windowUs) / 1000));
            const usedMs = processCpuMs(pid) - before;
            const sliceMs = quotaUs / 1000;
            // One slice per window, give or take one and a half (the poll's lag, and the window running when read); the kernel alone gives two.
            assert.ok(usedMs <= (windows + 1.5) * sliceMs, `used ${usedMs} ms of CPU in ${windows} windows of one ${sliceMs} ms slice (the kernel alone gives ${2 * sliceMs} ms a window)`);
            assert.ok(usedMs >= (windows - 1.5) * sliceMs, `used ${usedMs} ms of CPU in ${windows} windows: the slices were given`);
            // Back to a share the kernel holds alone: the driver stops, and the process is not left stopped.
            group.setCores(1 / 4);
            assert.equal(group.windowed, false);
            const resumed = processCpuMs(pid);
            await new Promise((resolve) => setTimeout(resolve, 1000));
            assert.ok(processCpuMs(pid) - resumed > 50, "the process runs again under the kernel's quota alone");
        } finally {
            await end();
        }
    });

    it("leaves a window the kernel can hold (K up to 10) to the kernel alone", async function () {
        const cgroups = openCpuCgroups();
        if (!cgroups) this.skip();
        const { group, end } = processInGroup(cgroups!, "setTimeout(() => {}, 60000)", 0.5 / 10, 10);
        try {
            assert.equal(group.windowed, false);
            assert.equal(fs.readFileSync(path.join(group.dir, "cpu.cfs_period_us"), "utf8").trim(), "1000000");
        } finally {
            await end();
        }
    });

    it("leaves no cgroup behind after close, also for a sandbox killed by its timeout", async function () {
        const cgroups = openCpuCgroups();
        if (!cgroups) this.skip();
        const fn = new FunctionPool(
            { functionName: "cpu-timeout", handler: { text: BUSY, exportName: "handler" }, environment: {}, memoryMb: 128, timeoutSeconds: 0.3, region: "us-east-1" },
            { cpuShare: "cgroup" },
        );
        const [timedOut, quick] = await Promise.all([fn.invoke({ n: 10 * WORK }), fn.invoke({ n: 1000 })]);
        assert.equal(timedOut.errorType, "Sandbox.Timedout");
        assert.ok(quick.ok);
        assert.ok(cgroups!.groupsLeft().length >= 1, "the live sandbox has its group");

        await fn.close();

        assert.deepEqual(cgroups!.groupsLeft(), []);
        assert.equal(fs.existsSync(cgroups!.parentDir), false, "the run's parent group is removed when its last sandbox is gone");
    });

    it("removes a group left by a run that was killed before the next run makes its own", async function () {
        const cgroups = openCpuCgroups();
        if (!cgroups) this.skip();
        const deadPid = spawnSync(process.execPath, ["-e", "0"]).pid;
        const stale = path.join(path.dirname(cgroups!.parentDir), `kinesis-fanout-${deadPid}`);
        fs.mkdirSync(path.join(stale, "sandbox-1"), { recursive: true });

        const result = await pool(256, "cgroup").invoke({ n: 1000 });

        assert.ok(result.ok);
        assert.equal(fs.existsSync(stale), false);
    });
});
