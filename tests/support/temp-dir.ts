import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** A fresh folder under the system's temp folder, removed when the test process exits. */
const created: string[] = [];
process.once("exit", () => {
    for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    created.push(dir);
    return dir;
}
