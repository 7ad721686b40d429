import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as os from "node:os";
import { readProcessCpuSeconds } from "./machine-cpu";

/**
 * Keeps the machine's cores awake during a dilated run: one busy loop per core at the lowest
 * priority there is (SCHED_IDLE through util-linux's `chrt --idle 0`, else nice 19), which runs
 * only when nothing else wants the core, and yields it at once when anything does.
 *
 * Why: a process's CPU time per wake-up grows with how long its core sat idle before (the core
 * halts, and comes back with cold caches; this machine is itself a Firecracker guest). Time
 * dilation stretches every wait K times, so without this a dilated sandbox paid more CPU per
 * round of PutObjects than the same sandbox at AWS's own latencies. Measured on the dev stack
 * (3,000 lines, writer at its cgroup CPU share), CPU of a warm writer invocation and the run's
 * AWS seconds:
 *   K = 1: 150 ms, 33.6 s; K = 4: 203 ms, 46.0 s; K = 4 with the cores kept awake: 165 ms, 36.7 s.
 * Lambda's hosts are packed with other tenants' sandboxes, so a busy core is also the closer
 * picture of AWS. The loops' own CPU is left out of the run's headroom (headroom.ts).
 */
export interface AwakeCores extends AsyncDisposable {
    /** How the loops were made to yield: "sched-idle" (SCHED_IDLE) or "nice-19". */
    readonly mode: "sched-idle" | "nice-19";
    readonly loops: number;
    /** CPU seconds the loops have used so far, summed (from /proc/<pid>/stat; 0 where that is missing). */
    cpuSeconds(): number;
}

const BUSY_LOOP = "for (;;) {}";

export function keepCoresAwake(cores: number): AwakeCores {
    const count = Math.max(1, Math.ceil(cores));
    const schedIdle = hasChrt();
    const children: ChildProcess[] = [];
    for (let i = 0; i < count; i++) {
        const child = schedIdle
            ? spawn("chrt", ["--idle", "0", process.execPath, "-e", BUSY_LOOP], { stdio: "ignore" })
            : spawn(process.execPath, ["-e", BUSY_LOOP], { stdio: "ignore" });
        if (!schedIdle && child.pid !== undefined) os.setPriority(child.pid, 19);
        child.on("error", () => undefined);
        children.push(child);
    }
    const finalSeconds = new Map<number, number>();
    const cpuOf = (child: ChildProcess) => (child.pid === undefined ? 0 : (finalSeconds.get(child.pid) ?? readProcessCpuSeconds(child.pid)));
    return {
        mode: schedIdle ? "sched-idle" : "nice-19",
        loops: count,
        cpuSeconds: () => children.reduce((sum, child) => sum + cpuOf(child), 0),
        [Symbol.asyncDispose]: async () => {
            await Promise.all(
                children.map((child) => {
                    if (child.pid !== undefined) finalSeconds.set(child.pid, readProcessCpuSeconds(child.pid));
                    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
                    return new Promise<void>((resolve) => {
                        child.once("exit", () => resolve());
                        child.kill("SIGKILL");
                    });
                }),
            );
        },
    };
}

let chrtFound: boolean | undefined;
function hasChrt(): boolean {
    chrtFound ??= spawnSync("chrt", ["--idle", "0", "true"], { stdio: "ignore" }).status === 0;
    return chrtFound;
}
