import { CONFIG_NAMESPACE, SETTING_DEFINITIONS, SETTING_KEYS, type SettingDefinition, type SettingKey } from "./definitions";
import { parsePartitionKey } from "../handlers/shared/partition-key";
import { parseOutputKeyTemplate } from "../handlers/shared/output-key";

/** The validated settings of one stack, as plain values. */
export interface FanoutSettings {
    streamMode: "PROVISIONED" | "ON_DEMAND";
    shardCount: number;
    retentionPeriodHours: number;
    batchSize: number;
    maximumBatchingWindowInSeconds: number;
    parallelizationFactor: number;
    startingPosition: "TRIM_HORIZON" | "LATEST";
    bisectBatchOnFunctionError: boolean;
    maximumRetryAttempts: number;
    maximumRecordAgeInSeconds: number;
    writerConcurrency: number;
    partitionKey: string;
    outputKeyTemplate: string;
    inputPrefix: string;
    inputSuffix: string;
    lambdaRuntime: "nodejs20.x" | "nodejs22.x" | "nodejs24.x";
    splitterMemoryMb: number;
    writerMemoryMb: number;
    splitterTimeoutSeconds: number;
    splitterMaxChainInvocations: number;
    writerTimeoutSeconds: number;
    iteratorAgeAlarmSeconds: number;
    logRetentionDays: number;
}

export interface ParsedSettings {
    settings: FanoutSettings;
    /** Combinations that work but are probably not what was meant. */
    warnings: string[];
}

/** Shards an ON_DEMAND stream starts with; the runtime provisions this many. */
export const ON_DEMAND_INITIAL_SHARDS = 4;
/**
 * Lambda's synchronous invocation payload limit, which caps an event source mapping batch. The
 * quotas page says "6 MB"; what Lambda enforces is 6 MiB: its own error reads "Request must be
 * smaller than 6291456 bytes for the InvokeFunction operation" (the invoke API stand-in uses the same).
 */
export const LAMBDA_PAYLOAD_MAX_BYTES = 6 * 1024 * 1024;
/** A seed-sized line (2 KiB) as one Kinesis record in the event: base64 data plus the record's JSON fields. */
export const SEED_RECORD_EVENT_BYTES = Math.ceil(((2048 + 80) * 4) / 3) + 450;

export class SettingsError extends Error {
    constructor(readonly problems: string[]) {
        super(`invalid stack config:\n  - ${problems.join("\n  - ")}`);
        this.name = "SettingsError";
    }
}

/**
 * Validates raw config values (strings, as `pulumi config` stores them, or typed YAML values) and
 * fills in defaults. Throws a `SettingsError` listing every problem; each one names the key, the
 * value and what is allowed, for example
 * `kinesis-fanout:batchSize must be between 1 and 10000 (got 20000)`.
 */
export function parseSettings(raw: Readonly<Record<string, unknown>>): ParsedSettings {
    const problems: string[] = [];
    const values: Record<string, unknown> = {};
    for (const key of Object.keys(raw)) {
        if (!(SETTING_KEYS as string[]).includes(key)) {
            problems.push(`${CONFIG_NAMESPACE}:${key} is not a known key; known keys: ${SETTING_KEYS.join(", ")}`);
        }
    }
    for (const key of SETTING_KEYS) {
        const given = raw[key];
        if (given === undefined) {
            values[key] = SETTING_DEFINITIONS[key].default;
            continue;
        }
        const result = coerce(key, SETTING_DEFINITIONS[key], given);
        if ("problem" in result) problems.push(result.problem);
        else values[key] = result.value;
    }
    if (problems.length === 0) problems.push(...checkFormats(values as unknown as FanoutSettings));
    if (problems.length > 0) throw new SettingsError(problems);
    const settings = values as unknown as FanoutSettings;
    const combination = checkCombinations(settings);
    if (combination.errors.length > 0) throw new SettingsError(combination.errors);
    return { settings, warnings: combination.warnings };
}

/** The shards a stack's stream has: shardCount, or the 4 an ON_DEMAND stream starts with. */
export function effectiveShardCount(settings: Pick<FanoutSettings, "streamMode" | "shardCount">): number {
    return settings.streamMode === "ON_DEMAND" ? ON_DEMAND_INITIAL_SHARDS : settings.shardCount;
}

function name(key: SettingKey): string {
    return `${CONFIG_NAMESPACE}:${key}`;
}

function shown(value: unknown): string {
    return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function coerce(key: SettingKey, definition: SettingDefinition, given: unknown): { value: unknown } | { problem: string } {
    switch (definition.type) {
        case "integer": {
            const text = typeof given === "number" ? String(given) : typeof given === "string" ? given.trim() : undefined;
            if (text === undefined || !/^-?\d+$/.test(text)) {
                return { problem: `${name(key)} must be an integer (got ${shown(given)})` };
            }
            const value = Number(text);
            if (definition.oneOf && !definition.oneOf.includes(value)) {
                return { problem: `${name(key)} must be one of ${definition.oneOf.join(", ")} (got ${value})` };
            }
            const inRange = value >= definition.min && (definition.max === undefined || value <= definition.max);
            if (!inRange && !(definition.also ?? []).includes(value)) {
                const range = definition.max === undefined ? `at least ${definition.min}` : `between ${definition.min} and ${definition.max}`;
                const also = definition.also?.length ? `${definition.also.join(" or ")}, or ` : "";
                return { problem: `${name(key)} must be ${also}${range} (got ${value})` };
            }
            return { value };
        }
        case "boolean": {
            if (typeof given === "boolean") return { value: given };
            if (given === "true" || given === "false") return { value: given === "true" };
            return { problem: `${name(key)} must be true or false (got ${shown(given)})` };
        }
        case "string": {
            if (typeof given !== "string") return { problem: `${name(key)} must be a string (got ${shown(given)})` };
            if (definition.oneOf && !definition.oneOf.includes(given)) {
                return { problem: `${name(key)} must be one of ${definition.oneOf.join(", ")} (got ${shown(given)})` };
            }
            return { value: given };
        }
    }
}

function checkFormats(settings: FanoutSettings): string[] {
    const problems: string[] = [];
    try {
        parsePartitionKey(settings.partitionKey);
    } catch (error) {
        problems.push(`${name("partitionKey")} ${(error as Error).message}`);
    }
    try {
        parseOutputKeyTemplate(settings.outputKeyTemplate);
    } catch (error) {
        problems.push(`${name("outputKeyTemplate")} ${(error as Error).message}`);
    }
    if (Buffer.byteLength(settings.inputPrefix) > 1024 || Buffer.byteLength(settings.inputSuffix) > 1024) {
        problems.push(`${name("inputPrefix")} and ${name("inputSuffix")} must be at most 1024 bytes, like an S3 key`);
    }
    return problems;
}

function checkCombinations(settings: FanoutSettings): { errors: string[]; warnings: string[] } {
    const errors: string[] = [];
    const warnings: string[] = [];
    const strategy = parsePartitionKey(settings.partitionKey);
    if (strategy.kind === "constant" && settings.parallelizationFactor > 1) {
        errors.push(
            `${name("partitionKey")} is a constant (${shown(settings.partitionKey)}) but ${name("parallelizationFactor")} is ${settings.parallelizationFactor}: ` +
                "order is kept per partition key, so one key never runs more than one batch at a time. Use field:<name> or line-hash, or parallelizationFactor 1.",
        );
    }
    if (strategy.kind === "constant" && effectiveShardCount(settings) > 1) {
        warnings.push(
            `${name("partitionKey")} is a constant: every record goes to one shard, and the other ${effectiveShardCount(settings) - 1} shard(s) stay idle.`,
        );
    }
    const templateFields = parseOutputKeyTemplate(settings.outputKeyTemplate).fields;
    const keepsIdOrder = strategy.kind === "constant" || (strategy.kind === "field" && templateFields.includes(strategy.field));
    if (!keepsIdOrder && effectiveShardCount(settings) * settings.parallelizationFactor > 1) {
        warnings.push(
            `${name("partitionKey")} ${shown(settings.partitionKey)} does not key records by the output key's field (${templateFields.join(", ")}): ` +
                "two lines with the same id may be written out of order, so \"the later line wins\" is not guaranteed. Use field:" + templateFields[0] + ".",
        );
    }
    if (settings.streamMode === "ON_DEMAND" && settings.shardCount !== SETTING_DEFINITIONS.shardCount.default) {
        warnings.push(`${name("shardCount")} (${settings.shardCount}) is ignored: ${name("streamMode")} is ON_DEMAND.`);
    }
    const fitting = Math.floor(LAMBDA_PAYLOAD_MAX_BYTES / SEED_RECORD_EVENT_BYTES);
    if (settings.batchSize > fitting) {
        warnings.push(
            `${name("batchSize")} ${settings.batchSize} can't be reached with 2 KiB lines: Lambda's 6 MB invocation payload holds about ${fitting} of them, so batches are cut there.`,
        );
    }
    if (settings.maximumRetryAttempts === -1 && settings.maximumRecordAgeInSeconds === -1) {
        warnings.push(
            `${name("maximumRetryAttempts")} and ${name("maximumRecordAgeInSeconds")} are both -1: a batch that always fails blocks its shard until the records expire (${settings.retentionPeriodHours} h).`,
        );
    }
    if (settings.maximumRecordAgeInSeconds > settings.retentionPeriodHours * 3600) {
        warnings.push(
            `${name("maximumRecordAgeInSeconds")} (${settings.maximumRecordAgeInSeconds}) is longer than the stream keeps records (${name("retentionPeriodHours")} ${settings.retentionPeriodHours}).`,
        );
    }
    return { errors, warnings };
}
