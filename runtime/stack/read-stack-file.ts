import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { CONFIG_NAMESPACE } from "../../settings/definitions";
import { parseSettings, type ParsedSettings } from "../../settings/parse";

/**
 * A stack's settings as `pulumi up` would see them: the `kinesis-fanout:*` values of
 * `Pulumi.<stack>.yaml`, validated with the same defaults and rules the Pulumi program uses.
 */
export interface StackFile extends ParsedSettings {
    stack: string;
    file: string;
    region: string;
    /** The namespaced values exactly as written in the file. */
    raw: Record<string, unknown>;
}

export function stackFilePath(projectDir: string, stack: string): string {
    return path.join(projectDir, `Pulumi.${stack}.yaml`);
}

/** Stacks that have a `Pulumi.<stack>.yaml` in the project folder. */
export function listStacks(projectDir: string): string[] {
    return fs
        .readdirSync(projectDir)
        .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
        .filter((stack): stack is string => stack !== undefined)
        .sort();
}

/** Pulumi's own rule for stack names: letters, digits, `-`, `_` and `.`. */
const STACK_NAME = /^[A-Za-z0-9_.-]+$/;

export function readStackFile(projectDir: string, stack: string): StackFile {
    if (!STACK_NAME.test(stack) || stack === "." || stack === "..") {
        throw new Error(`stack names may use only letters, digits, "-", "_" and "." (got "${stack}")`);
    }
    const file = stackFilePath(projectDir, stack);
    if (!fs.existsSync(file)) {
        const known = listStacks(projectDir);
        throw new Error(`no stack "${stack}": ${file} does not exist (stacks here: ${known.join(", ") || "none"})`);
    }
    let document: { config?: Record<string, unknown> };
    try {
        document = (parseYaml(fs.readFileSync(file, "utf8")) ?? {}) as typeof document;
    } catch (error) {
        throw new Error(`${path.basename(file)} is not valid YAML: ${(error as Error).message}`);
    }
    const config = document.config ?? {};
    const prefix = `${CONFIG_NAMESPACE}:`;
    const raw: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) {
        if (key.startsWith(prefix)) raw[key.slice(prefix.length)] = value;
    }
    let parsed: ParsedSettings;
    try {
        parsed = parseSettings(raw);
    } catch (error) {
        (error as Error).message = `${path.basename(file)}: ${(error as Error).message}`;
        throw error;
    }
    const region = typeof config["aws:region"] === "string" ? (config["aws:region"] as string) : "us-east-1";
    return { stack, file, region, raw, ...parsed };
}
