import { createHash, randomBytes } from "node:crypto";

/**
 * Lambda's recursive loop detection, as far as the runtime can observe it.
 *
 * AWS (docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html): "To detect recursive
 * loops, Lambda uses AWS X-Ray tracing headers"; the metadata "includes a count of the number of
 * times that the event has invoked the function"; "If your function is invoked approximately 16
 * times in the same chain of requests, then Lambda automatically stops the next function
 * invocation in that request chain"; and "Lambda also detects loops comprised only of Lambda
 * functions, which may invoke each other synchronously or asynchronously". A stopped
 * asynchronous event goes to the on-failure destination; a synchronous Invoke fails with
 * RecursiveInvocationException.
 *
 * How it travels: every invocation gets a trace header (`_X_AMZN_TRACE_ID` in its sandbox); the
 * AWS SDK's recursion detection middleware copies it into each outgoing call's X-Amzn-Trace-Id
 * (only inside Lambda, where AWS_LAMBDA_FUNCTION_NAME is set). The runtime's Invoke API reads it
 * back. AWS does not document the header's counter format; here it is a `Lineage` field of
 * `<8 hex digits of the function ARN's hash>:<invocations in this chain>` entries, joined by `|`.
 */
export const RECURSION_DEPTH_LIMIT = 16;

export type RecursiveLoop = "Allow" | "Terminate";

function functionTag(functionArn: string): string {
    return createHash("sha256").update(functionArn).digest("hex").slice(0, 8);
}

function fields(header: string | undefined): Map<string, string> {
    const map = new Map<string, string>();
    for (const part of (header ?? "").split(";")) {
        const at = part.indexOf("=");
        if (at > 0) map.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
    }
    return map;
}

function lineage(value: string | undefined): Map<string, number> {
    const counts = new Map<string, number>();
    for (const entry of (value ?? "").split("|")) {
        const [tag, count] = entry.split(":");
        if (tag && /^\d+$/.test(count ?? "")) counts.set(tag, Number(count));
    }
    return counts;
}

/** How many times this chain (the trace header an event arrives with) has already invoked the function. */
export function chainInvocations(header: string | undefined, functionArn: string): number {
    return lineage(fields(header).get("Lineage")).get(functionTag(functionArn)) ?? 0;
}

/** Whether Lambda stops this invocation: the chain already invoked the function RECURSION_DEPTH_LIMIT times and the function doesn't allow loops. */
export function stopsRecursion(header: string | undefined, functionArn: string, recursiveLoop: RecursiveLoop): boolean {
    return recursiveLoop === "Terminate" && chainInvocations(header, functionArn) >= RECURSION_DEPTH_LIMIT;
}

/**
 * The trace header an invocation of the function runs with: the incoming chain's root (or a new
 * one when the event starts a chain, as an S3 notification does), with this function's count one higher.
 */
export function invocationTraceHeader(incoming: string | undefined, functionArn: string): string {
    const given = fields(incoming);
    const root = given.get("Root") ?? `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString("hex")}`;
    const counts = lineage(given.get("Lineage"));
    const tag = functionTag(functionArn);
    counts.set(tag, (counts.get(tag) ?? 0) + 1);
    const lineageText = [...counts].map(([key, count]) => `${key}:${count}`).join("|");
    return `Root=${root};Parent=${randomBytes(8).toString("hex")};Sampled=0;Lineage=${lineageText}`;
}
