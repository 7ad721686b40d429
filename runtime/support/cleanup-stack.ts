/**
 * The cleanups of one phase of a run, undone in reverse order of registration. A cleanup that
 * fails does not stop the others: a run that is ending keeps tearing down what it started.
 * `move()` hands the cleanups to the phase's result once every step has started, so that
 * `await using` undoes a half-started phase and leaves a whole one to its owner.
 */
export class CleanupStack implements AsyncDisposable {
    private cleanups: Array<() => unknown> = [];

    /**
     * Registers `cleanup` for `value` and returns `value`, so that starting and registering read as
     * one step (the name and shape of AsyncDisposableStack.adopt, which Node 22 does not have yet).
     */
    adopt<T>(value: T, cleanup: (value: T) => unknown): T {
        this.cleanups.push(() => cleanup(value));
        return value;
    }

    /** A new stack with every cleanup of this one, which is left empty. */
    move(): CleanupStack {
        const moved = new CleanupStack();
        moved.cleanups = this.cleanups;
        this.cleanups = [];
        return moved;
    }

    async [Symbol.asyncDispose](): Promise<void> {
        for (const cleanup of this.cleanups.splice(0).reverse()) {
            await Promise.resolve()
                .then(cleanup)
                .catch(() => undefined);
        }
    }
}
