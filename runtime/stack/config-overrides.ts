import { InvalidArgumentError } from "commander";
import { CONFIG_NAMESPACE } from "../../settings/definitions";
import { parseSettings, type ParsedSettings } from "../../settings/parse";
import type { StackFile } from "./read-stack-file";

/**
 * `--config key=value` (repeatable): a stack setting for this run only, on top of the stack file,
 * validated by the same rules as `pulumi config set kinesis-fanout:key value` would be.
 * The key may be given with or without the `kinesis-fanout:` namespace.
 */
export function collectConfigOverride(value: string, previous: Record<string, string> = {}): Record<string, string> {
    const match = /^([^=]+)=(.*)$/s.exec(value);
    if (!match) throw new InvalidArgumentError(`--config takes key=value, for example maximumRetryAttempts=0 (got "${value}")`);
    const key = match[1].trim().replace(new RegExp(`^${CONFIG_NAMESPACE}:`), "");
    return { ...previous, [key]: match[2] };
}

/** The stack file's settings with the overrides applied; throws naming the stack and what was wrong. */
export function withConfigOverrides(stack: StackFile, overrides: Record<string, string> | undefined): ParsedSettings {
    if (!overrides || Object.keys(overrides).length === 0) return { settings: stack.settings, warnings: stack.warnings };
    try {
        return parseSettings({ ...stack.raw, ...overrides });
    } catch (error) {
        (error as Error).message = `--config on stack ${stack.stack}: ${(error as Error).message}`;
        throw error;
    }
}
