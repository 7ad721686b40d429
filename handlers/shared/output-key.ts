/**
 * Output keys from a template such as `product_{original_id}.json`.
 *
 * Every `{field}` is replaced by that top-level JSON field of the line. A value must be a safe id:
 * a string or an integer made of Unicode letters (with their combining marks, which scripts such as
 * Devanagari, Thai or NFD-normalized Latin need), digits, `.`, `_`, `-` and spaces, not only dots,
 * so that a value like `../x`, `a/b` or an empty string can never leave the template's key space.
 * S3 keys are at most 1,024 bytes of UTF-8.
 */

export const S3_KEY_MAX_BYTES = 1024;
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const SAFE_ID = /^[\p{L}\p{M}\p{N}._\- ]+$/u;
const SAFE_LITERAL = /^[A-Za-z0-9!_.*'()\-/]*$/;

export interface OutputKeyTemplate {
    readonly text: string;
    readonly fields: readonly string[];
}

/** Parses and checks a template; throws an Error that says what is allowed. */
export function parseOutputKeyTemplate(text: string): OutputKeyTemplate {
    const fields = [...text.matchAll(PLACEHOLDER)].map((m) => m[1]);
    if (fields.length === 0) {
        throw new Error(`must contain at least one {field} placeholder, such as product_{original_id}.json (got "${text}")`);
    }
    const literal = text.replace(PLACEHOLDER, "");
    if (!SAFE_LITERAL.test(literal)) {
        throw new Error(`outside its {field} placeholders, may use only letters, digits and !_.*'()-/ (got "${text}")`);
    }
    if (text.startsWith("/") || text.split("/").some((segment) => segment === "." || segment === "..")) {
        throw new Error(`must be a relative key without "." or ".." segments (got "${text}")`);
    }
    return { text, fields };
}

/** Why a field value can't be used in a key, or undefined when it can. */
export function unsafeIdReason(field: string, value: unknown): string | undefined {
    if (value === undefined || value === null) return `missing id field "${field}"`;
    if (typeof value === "number") {
        return Number.isSafeInteger(value) ? undefined : `id field "${field}" must be an integer or a string (got ${value})`;
    }
    if (typeof value !== "string") return `id field "${field}" must be a string or an integer (got ${typeof value})`;
    if (value.length === 0) return `id field "${field}" is empty`;
    if (!SAFE_ID.test(value) || /^\.+$/.test(value)) {
        return `id field "${field}" may contain only letters (and their combining marks), digits, ".", "_", "-" and spaces, and not only dots`;
    }
    return undefined;
}

export type RenderedKey = { key: string } | { error: string };

/** Renders the key for one parsed line, or says why it can't. */
export function renderOutputKey(template: OutputKeyTemplate, record: Record<string, unknown>): RenderedKey {
    for (const field of template.fields) {
        const reason = unsafeIdReason(field, record[field]);
        if (reason) return { error: reason };
    }
    const key = template.text.replace(PLACEHOLDER, (_, field: string) => String(record[field]));
    const bytes = Buffer.byteLength(key, "utf8");
    if (bytes > S3_KEY_MAX_BYTES) return { error: `output key would be ${bytes} bytes; S3 allows ${S3_KEY_MAX_BYTES}` };
    return { key };
}
