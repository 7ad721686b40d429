/**
 * AWS prices per region, from the dated, editable JSON files in planner/prices/<region>.json.
 * Every price has an entry in `sources` that says where it came from (or why it is not confirmed).
 * Files are read when asked for, so an edited price needs no rebuild.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

export interface PriceTable {
    region: string;
    currency: "USD";
    /** ISO date (YYYY-MM-DD) the prices were gathered. */
    retrieved: string;
    /** Price item (for example "kinesis.shardHour") -> where the price came from. */
    sources: Record<string, string>;
    kinesis: {
        shardHour: number;
        putPayloadUnitPerMillion: number;
        onDemandStreamHour: number;
        onDemandPerGbIn: number;
        onDemandPerGbOut: number;
    };
    lambda: { requestPerMillion: number; gbSecond: number };
    s3: { putPer1000: number; getPer1000: number };
    sqs: { requestPerMillion: number };
}

/** Every price item of a table, as "<service>.<field>". */
export const PRICE_ITEMS = [
    "kinesis.shardHour",
    "kinesis.putPayloadUnitPerMillion",
    "kinesis.onDemandStreamHour",
    "kinesis.onDemandPerGbIn",
    "kinesis.onDemandPerGbOut",
    "lambda.requestPerMillion",
    "lambda.gbSecond",
    "s3.putPer1000",
    "s3.getPer1000",
    "sqs.requestPerMillion",
] as const;

export const PRICES_DIRECTORY = join(__dirname, "prices");
const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d+$/;

export class PriceFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PriceFileError";
    }
}

/** Regions that have a price file. */
export function availableRegions(directory: string = PRICES_DIRECTORY): string[] {
    return readdirSync(directory)
        .filter((file) => file.endsWith(".json"))
        .map((file) => file.slice(0, -".json".length))
        .sort();
}

/** Loads and validates the price file of a region; the error names the region and those available. */
export function loadPrices(region: string, directory: string = PRICES_DIRECTORY): PriceTable {
    const available = availableRegions(directory);
    if (!REGION_NAME.test(region) || !available.includes(region)) {
        throw new PriceFileError(
            `no price file for region "${region}"; regions with prices: ${available.join(", ")} ` +
                `(add ${join(directory, `${region}.json`)} to plan for another region)`,
        );
    }
    const file = join(directory, `${region}.json`);
    let parsed: unknown;
    try {
        parsed = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
        throw new PriceFileError(`${file} is not valid JSON: ${(error as Error).message}`);
    }
    const table = validatePriceTable(parsed, file);
    if (table.region !== region) throw new PriceFileError(`${file} says region "${table.region}"; it must say "${region}", like its name`);
    return table;
}

/** Checks a parsed price file; throws a PriceFileError that lists every problem. */
export function validatePriceTable(value: unknown, origin: string): PriceTable {
    const problems: string[] = [];
    const table = (isObject(value) ? value : {}) as Record<string, unknown>;
    if (!isObject(value)) problems.push("the file must hold a JSON object");
    if (typeof table.region !== "string" || !REGION_NAME.test(table.region)) problems.push(`region must be an AWS region name like "us-east-1" (got ${show(table.region)})`);
    if (table.currency !== "USD") problems.push(`currency must be "USD" (got ${show(table.currency)})`);
    if (typeof table.retrieved !== "string" || !isIsoDate(table.retrieved)) problems.push(`retrieved must be an ISO date, YYYY-MM-DD (got ${show(table.retrieved)})`);
    const sources = isObject(table.sources) ? (table.sources as Record<string, unknown>) : undefined;
    if (!sources) problems.push("sources must be an object: price item -> where the price came from");
    for (const item of PRICE_ITEMS) {
        const [service, field] = item.split(".");
        const group = table[service];
        const price = isObject(group) ? (group as Record<string, unknown>)[field] : undefined;
        if (typeof price !== "number" || !Number.isFinite(price) || price < 0) {
            problems.push(`${item} must be a price in USD, 0 or more (got ${show(price)})`);
        }
        const source = sources?.[item];
        if (sources && (typeof source !== "string" || source.trim() === "")) {
            problems.push(`sources["${item}"] must say where the price came from, or "not confirmed: <why>"`);
        }
    }
    if (problems.length > 0) throw new PriceFileError(`invalid price file ${origin}:\n  - ${problems.join("\n  - ")}`);
    return value as PriceTable;
}

function isObject(value: unknown): value is object {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isIsoDate(text: string): boolean {
    return /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`)) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text);
}

function show(value: unknown): string {
    return value === undefined ? "nothing" : JSON.stringify(value);
}
