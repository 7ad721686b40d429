import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE } from "./definitions";
import { parseSettings, type ParsedSettings } from "./parse";

/**
 * Reads this stack's `kinesis-fanout:*` config, validates it and reports warnings through the
 * engine. Throws before any resource is registered when a value is invalid.
 */
export function readStackSettings(): ParsedSettings {
    const prefix = `${CONFIG_NAMESPACE}:`;
    const raw: Record<string, string> = {};
    for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (key.startsWith(prefix)) raw[key.slice(prefix.length)] = value;
    }
    const parsed = parseSettings(raw);
    for (const warning of parsed.warnings) void pulumi.log.warn(warning);
    return parsed;
}
