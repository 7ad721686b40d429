/**
 * Runs `act` with process.stdout captured, as a Lambda's log would hold it: Powertools' Metrics
 * and Logger write through their own Console on process.stdout, so every EMF document lands here.
 * Keep the window small: mocha's own output in it is captured too.
 */
export async function captureStdout<T>(act: () => T | Promise<T>): Promise<{ lines: string[]; result?: T; error?: unknown }> {
    const chunks: string[] = [];
    const original = process.stdout.write;
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
        const callback = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
        callback?.();
        return true;
    }) as typeof process.stdout.write;
    try {
        const result = await act();
        return { lines: splitLines(chunks), result };
    } catch (error) {
        return { lines: splitLines(chunks), error };
    } finally {
        process.stdout.write = original;
    }
}

function splitLines(chunks: string[]): string[] {
    return chunks.join("").split("\n").filter((line) => line !== "");
}
