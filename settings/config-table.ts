import { CONFIG_NAMESPACE, SETTING_DEFINITIONS, SETTING_KEYS, type SettingDefinition } from "./definitions";

/** The README's table of config keys, written from the definitions so that it can't drift. */
function allowed(definition: SettingDefinition): string {
    if (definition.type === "boolean") return "true, false";
    if (definition.type === "string") return definition.oneOf ? definition.oneOf.join(", ") : "see description";
    if (definition.oneOf) return definition.oneOf.join(", ");
    const range = definition.max === undefined ? `≥ ${definition.min}` : `${definition.min}–${definition.max}`;
    return definition.also?.length ? `${definition.also.join(", ")}, or ${range}` : range;
}

export function configTableMarkdown(): string {
    const rows = SETTING_KEYS.map((key) => {
        const definition: SettingDefinition = SETTING_DEFINITIONS[key];
        const shownDefault = definition.default === "" ? '`""`' : `\`${definition.default}\``;
        return `| \`${CONFIG_NAMESPACE}:${key}\` | ${shownDefault} | ${allowed(definition)} | ${definition.description.replace(/\|/g, "\\|")} |`;
    });
    return ["| key | default | allowed | what it changes |", "|---|---|---|---|", ...rows].join("\n");
}
