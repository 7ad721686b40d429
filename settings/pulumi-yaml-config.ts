import { SETTING_DEFINITIONS, SETTING_KEYS, type SettingDefinition } from "./definitions";

/**
 * `Pulumi.yaml`'s `config:` block, written from the definitions so that it can't drift: every key
 * with its type, default and description, which the Pulumi CLI validates stack values against.
 * The block runs from its marker comment to the end of the file.
 */
const MARKER = "# Written from settings/definitions.ts by scripts/update-config-docs.ts; a test keeps it current.";

function yamlScalar(value: SettingDefinition["default"]): string {
    // A JSON string is a valid YAML double-quoted scalar.
    return typeof value === "string" ? JSON.stringify(value) : String(value);
}

export function pulumiConfigBlock(): string {
    const lines = [MARKER, "config:"];
    for (const key of SETTING_KEYS) {
        const definition: SettingDefinition = SETTING_DEFINITIONS[key];
        lines.push(`  ${key}:`, `    type: ${definition.type}`, `    default: ${yamlScalar(definition.default)}`, `    description: ${JSON.stringify(definition.description)}`);
    }
    return lines.join("\n") + "\n";
}

/** The config block of a Pulumi.yaml text: from the marker comment to the end. */
export function pulumiYamlConfigBlock(yaml: string): string {
    const start = yaml.indexOf(MARKER);
    if (start < 0) throw new Error(`Pulumi.yaml has no line "${MARKER}" above its config block`);
    return yaml.slice(start);
}

export function replacePulumiConfigBlock(yaml: string, block: string): string {
    const start = yaml.indexOf(MARKER);
    const config = yaml.search(/^config:/m);
    const from = start >= 0 ? start : config;
    if (from < 0) throw new Error("Pulumi.yaml has no config block to replace");
    return yaml.slice(0, from) + block;
}
