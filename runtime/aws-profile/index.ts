import * as http from "node:http";
import { realClock } from "../clock";
import { KinesisProfile } from "./kinesis-proxy";
import { LatencySampler } from "./latency";
import { resolveAwsProfileOptions, type AwsProfileHooks, type AwsProfileOptions } from "./options";
import { S3PrefixLimits } from "./s3-prefix-limits";
import { S3Profile } from "./s3-proxy";
import { ShardLimits } from "./shard-limits";
import { copyStats, emptyStats, type AwsProfileStats } from "./stats";
import { closeServer, endpointOf, listenOnLoopback as listen } from "../support/loopback-server";

export { SEED_CALIBRATION, resolveAwsProfileOptions } from "./options";
export type { AwsProfileHooks, AwsProfileOptions, ResolvedAwsProfileOptions } from "./options";
export type { AwsProfileStats } from "./stats";

export interface AwsProfileProxy {
    /** Point Kinesis clients here (endpoint, or AWS_ENDPOINT_URL_KINESIS). */
    kinesisEndpoint: string;
    /** Point S3 clients here (endpoint with path style, or AWS_ENDPOINT_URL_S3). */
    s3Endpoint: string;
    /** The options in force, defaults filled in. */
    options: Required<AwsProfileOptions>;
    /** A snapshot of the counters. */
    stats(): AwsProfileStats;
    close(): Promise<void>;
}

/**
 * Starts the AWS profile: two HTTP/1.1 proxies on 127.0.0.1 (ephemeral ports), one in front of a
 * Kinesis endpoint and one in front of an S3 endpoint, that make local stand-ins throttle and
 * answer like AWS (see README.md beside this file). Options left out take SEED_CALIBRATION.
 */
export async function startAwsProfile(
    upstream: { kinesis: string; s3: string },
    options: AwsProfileOptions & AwsProfileHooks = {},
): Promise<AwsProfileProxy> {
    const { clock = realClock, ...profileOptions } = options;
    const resolved = resolveAwsProfileOptions(profileOptions);
    const stats = emptyStats();
    const latency = new LatencySampler(resolved);
    const limits = new ShardLimits(resolved, () => clock.now());
    const kinesis = new KinesisProfile(upstreamUrl("kinesis", upstream.kinesis), limits, latency, stats, clock);
    const s3 = new S3Profile(upstreamUrl("s3", upstream.s3), latency, stats, clock, new S3PrefixLimits(resolved.s3PutRequestsPerSecondPerPrefix, () => clock.now()));

    const servers: http.Server[] = [];
    try {
        servers.push(await listen(kinesis.handle));
        servers.push(await listen(s3.handle));
    } catch (error) {
        await Promise.all(servers.map(closeServer));
        kinesis.close();
        s3.close();
        throw error;
    }
    const [kinesisServer, s3Server] = servers;
    return {
        kinesisEndpoint: endpointOf(kinesisServer),
        s3Endpoint: endpointOf(s3Server),
        options: resolved,
        stats: () => copyStats(stats),
        close: async () => {
            await Promise.all(servers.map(closeServer));
            kinesis.close();
            s3.close();
        },
    };
}

function upstreamUrl(service: string, endpoint: string): URL {
    let url: URL;
    try {
        url = new URL(endpoint);
    } catch {
        throw new Error(`the AWS profile's upstream ${service} endpoint "${endpoint}" is not a URL; expected http://HOST:PORT`);
    }
    if (url.protocol !== "http:") {
        throw new Error(`the AWS profile's upstream ${service} endpoint "${endpoint}" uses ${url.protocol}; only http: stand-ins are supported`);
    }
    return url;
}

