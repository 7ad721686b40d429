import type { Sandbox } from "./sandbox";

/**
 * One function's execution environments, each in exactly one state:
 * - `starting`: taken for a cold start, its process not ready yet;
 * - `busy`: running an invocation;
 * - `idle`: alive and free, kept for a warm start.
 * A slot that ends (crashed, timed out, closed) is removed. The live count, the idle slots and
 * the busy ones are all read from the one set of slots, so they can't disagree.
 */
export interface SandboxSlot {
    readonly state: "starting" | "busy" | "idle";
    /** Absent while starting. */
    readonly sandbox?: Sandbox;
}

interface Slot {
    state: SandboxSlot["state"];
    sandbox?: Sandbox;
    /** When the slot last became idle (a running count): the most recently freed one is reused first. */
    freed: number;
}

export class SandboxSlots {
    private readonly slots = new Set<Slot>();
    private readonly waiters: Array<() => void> = [];
    private releases = 0;

    constructor(private readonly concurrency: number) {}

    /**
     * A slot for one invocation: the most recently freed idle sandbox, now busy (a warm start); or,
     * below the concurrency, a new slot that is starting (a cold start). Waits while neither is
     * there; `checkOpen` throws when the function was closed meanwhile.
     */
    async claim(checkOpen: () => void): Promise<SandboxSlot> {
        for (;;) {
            checkOpen();
            const idle = this.takeIdle();
            if (idle) return idle;
            if (this.slots.size < this.concurrency) {
                const starting: Slot = { state: "starting", freed: 0 };
                this.slots.add(starting);
                return starting;
            }
            await new Promise<void>((resolve) => this.waiters.push(resolve));
        }
    }

    /** A starting slot's sandbox is ready and runs the invocation the slot was claimed for. */
    started(slot: SandboxSlot, sandbox: Sandbox): void {
        const own = this.own(slot);
        own.state = "busy";
        own.sandbox = sandbox;
    }

    /** The invocation is over: the slot turns idle when it may be reused, and is removed (its sandbox killed) otherwise. */
    release(slot: SandboxSlot, reusable: boolean): void {
        const own = this.own(slot);
        if (own.sandbox && reusable && own.sandbox.alive) {
            own.state = "idle";
            own.freed = ++this.releases;
        } else {
            this.slots.delete(own);
            void own.sandbox?.kill();
        }
        this.waiters.shift()?.();
    }

    /** Sandboxes whose process is alive, idle or busy. */
    get alive(): number {
        return [...this.slots].filter((slot) => slot.sandbox?.alive).length;
    }

    /** Kills every sandbox and wakes every waiting claim (which then finds the function closed). */
    async closeAll(): Promise<void> {
        await Promise.all([...this.slots].map((slot) => slot.sandbox?.kill()));
        for (const wake of this.waiters.splice(0)) wake();
    }

    private takeIdle(): Slot | undefined {
        for (;;) {
            let latest: Slot | undefined;
            for (const slot of this.slots) if (slot.state === "idle" && (!latest || slot.freed > latest.freed)) latest = slot;
            if (!latest) return undefined;
            if (latest.sandbox?.alive) {
                latest.state = "busy";
                return latest;
            }
            // A sandbox that died while idle is gone; its place is free for a cold start.
            this.slots.delete(latest);
        }
    }

    private own(slot: SandboxSlot): Slot {
        if (!this.slots.has(slot as Slot)) throw new Error(`a ${slot.state} sandbox slot that is not this function's`);
        return slot as Slot;
    }
}
