import { AWS_LIMITS } from "../../settings/aws-limits";
import type { InvocationResult } from "./function-pool";

/**
 * Lambda's concurrency limits, and the throttle they cause ("Lambda quotas", "Configuring reserved
 * concurrency"):
 * - an account has `limit` concurrent executions per region (1,000 by default; "new accounts have
 *   reduced concurrency");
 * - a function with reserved concurrency R runs at most R at once, and those R are kept out of the
 *   shared pool; every other function shares what is left ("Lambda requires at least 100
 *   unreserved concurrency", so at most limit − 100 can be reserved);
 * - an invocation beyond its limit is not queued: it is throttled (`TooManyRequestsException`,
 *   HTTP 429). What happens next belongs to the caller: an event source mapping retries "until the
 *   records expire or exceed the maximum age" (kinesis-on-failure-destination, "Before invocation"),
 *   and the asynchronous path "returns the event to the queue" for up to its maximum event age
 *   (invocation-async-error-handling).
 */
export const THROTTLED_ERROR_TYPE = "TooManyRequestsException";

/** AWS keeps this much of an account's concurrency unreserved. */
export const MINIMUM_UNRESERVED_CONCURRENCY = 100;

/** The asynchronous path's wait after the n-th throttle (from 0): "from 1 second ... to a maximum of 5 minutes", doubling. */
export function asyncThrottleDelayMs(throttles: number): number {
    return Math.min(1000 * 2 ** throttles, 5 * 60 * 1000);
}

export function isThrottled(result: InvocationResult): boolean {
    return !result.ok && result.errorType === THROTTLED_ERROR_TYPE;
}

export function throttledResult(requestId: string, functionName: string, reason: string): InvocationResult {
    return { requestId, ok: false, errorType: THROTTLED_ERROR_TYPE, errorMessage: `Rate Exceeded. (${reason}: ${functionName})`, durationMs: 0, coldStart: false };
}

/** One function's share of the account: `tryAcquire` takes an execution or refuses (a throttle). */
export interface ConcurrencyGate {
    readonly functionName: string;
    /** A release function for the execution taken, or undefined when the invocation is throttled. */
    tryAcquire(): (() => void) | undefined;
    /** Why the last refusal happened, for the error message. */
    readonly reason: string;
    readonly throttles: number;
}

export class AccountConcurrency {
    private reservedTotal = 0;
    private unreservedInFlight = 0;
    private readonly gates: Array<ConcurrencyGate & { reserved?: number }> = [];

    constructor(readonly limit: number = AWS_LIMITS.lambda.concurrency) {
        if (!(Number.isInteger(limit) && limit >= 1)) throw new Error(`account concurrency must be a whole number of at least 1 (got ${limit})`);
    }

    /** Unreserved concurrency: what functions without a reservation share. */
    get unreserved(): number {
        return this.limit - this.reservedTotal;
    }

    /**
     * A function's gate. `reserved` (reserved concurrency) must leave 100 unreserved, as
     * PutFunctionConcurrency requires; undefined shares the unreserved pool.
     */
    register(functionName: string, reserved?: number): ConcurrencyGate {
        if (reserved !== undefined) {
            const most = this.unreserved - MINIMUM_UNRESERVED_CONCURRENCY;
            if (!(Number.isInteger(reserved) && reserved >= 0 && reserved <= most)) {
                throw new Error(
                    `function ${functionName}: reserved concurrency ${reserved} is not allowed in an account of ${this.limit} concurrent executions: ` +
                        `AWS keeps ${MINIMUM_UNRESERVED_CONCURRENCY} unreserved, so at most ${Math.max(0, most)} can be reserved (ask for a higher quota, or set no reservation)`,
                );
            }
            this.reservedTotal += reserved;
        }
        const account = this;
        let inFlight = 0;
        const gate = {
            functionName,
            reserved,
            reason: "",
            throttles: 0,
            tryAcquire(): (() => void) | undefined {
                const full = reserved !== undefined ? inFlight >= reserved : account.unreservedInFlight >= account.unreserved;
                if (full) {
                    gate.throttles++;
                    gate.reason = reserved !== undefined ? "ReservedFunctionConcurrentInvocationLimitExceeded" : "ConcurrentInvocationLimitExceeded";
                    return undefined;
                }
                inFlight++;
                if (reserved === undefined) account.unreservedInFlight++;
                let released = false;
                return () => {
                    if (released) return;
                    released = true;
                    inFlight--;
                    if (reserved === undefined) account.unreservedInFlight--;
                };
            },
        };
        this.gates.push(gate);
        return gate;
    }

    /** Throttles per function name. */
    throttles(): Record<string, number> {
        return Object.fromEntries(this.gates.map((gate) => [gate.functionName, gate.throttles]));
    }
}
