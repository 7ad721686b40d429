import type { Clock } from "../clock";
import type { ResolvedAwsProfileOptions } from "./options";
import { seededRandom } from "../support/seeded-random";

/** The calls whose latency the profile calibrates; everything else is "other". */
export type LatencyClass = "put-records" | "get-records" | "s3-put-object" | "s3-get-object" | "other";


/** Relative spread of a single calibrated figure: the sample lies in [0.9, 1.1] × the figure, so the mean is the figure. */
const JITTER = 0.1;

/** Draws the latency each call should show to its caller. */
export class LatencySampler {
    private readonly random: () => number;

    constructor(private readonly options: ResolvedAwsProfileOptions) {
        this.random = seededRandom(options.seed);
    }

    sampleMs(kind: LatencyClass): number {
        const u = this.random();
        switch (kind) {
            case "get-records": {
                const [low, high] = this.options.getRecordsLatencyMs;
                return low + (high - low) * u;
            }
            case "put-records":
                return this.jittered(this.options.putRecordsLatencyMs, u);
            case "s3-put-object":
                return this.jittered(this.options.s3PutObjectLatencyMs, u);
            case "s3-get-object":
                return this.jittered(this.options.s3GetObjectLatencyMs, u);
            default:
                return this.jittered(this.options.otherLatencyMs, u);
        }
    }

    private jittered(figure: number, u: number): number {
        return figure * (1 - JITTER + 2 * JITTER * u);
    }
}

/**
 * Waits until `startedAt + latencyMs` (the clock's time), so that the caller sees about the
 * calibrated latency in all: the stand-in's own time counts toward it, and nothing is added when
 * the stand-in alone took longer. Resolves with the delay added.
 */
export async function padTo(clock: Clock, startedAt: number, latencyMs: number): Promise<number> {
    const remaining = startedAt + latencyMs - clock.now();
    if (remaining < 1) return 0;
    await clock.sleep(remaining);
    return remaining;
}
