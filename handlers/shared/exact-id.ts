/**
 * JSON parsing that keeps an integer id's exact digits.
 *
 * `JSON.parse('{"original_id":12345678901234567890}')` gives 12345678901234567000: a double can't
 * hold integers beyond 2^53 - 1, so such an id would name the wrong object (and two ids could
 * collide); the key renderer dead-letters it as unsafe-id instead. Product and order ids of that
 * size are common, and the seed's own Python (`json.loads`, arbitrary-precision ints) writes
 * `product_12345678901234567890.json`.
 *
 * Node 22's `JSON.parse` (V8's "JSON.parse source text access", also in Lambda's nodejs22.x)
 * passes a reviver a third argument whose `source` is the primitive's exact text. An integer
 * literal that a number can't hold exactly is kept as that text, a string of digits; every other
 * value is unchanged. On Node 20, which has no `source`, such an id stays a rounded number and is
 * dead-lettered as before. Only keys and partition keys use the parsed value: the line's bytes
 * are written as they are.
 */
export function parseJsonKeepingLargeIntegers(text: string): unknown {
    return JSON.parse(text, keepLargeIntegers as (this: unknown, key: string, value: unknown) => unknown);
}

const INTEGER_LITERAL = /^-?\d+$/;

function keepLargeIntegers(_key: string, value: unknown, context?: { source?: string }): unknown {
    if (typeof value === "number" && !Number.isSafeInteger(value) && context?.source !== undefined && INTEGER_LITERAL.test(context.source)) {
        return context.source;
    }
    return value;
}
