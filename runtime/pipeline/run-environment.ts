import type { Clock } from "../clock";
import { startAwsProfile, type AwsProfileProxy } from "../aws-profile";
import { startRunFaults, type RunFaults } from "../faults/run-faults";
import { startStandIns } from "../standins/stand-ins";
import { CleanupStack } from "../support/cleanup-stack";
import { createAwsClients, destroyAwsClients, type AwsClients, type ServiceEndpoints } from "./aws-clients";
import type { RunOptions } from "./run-options";

/**
 * The first phase of a run: the services it talks to. Stand-ins for the services not given, the
 * AWS profile's proxies in front of Kinesis and S3, the fault proxy, and the runtime's clients.
 * Disposing it stops them all, in reverse order.
 */
export interface RunEnvironment extends AsyncDisposable {
    clients: AwsClients;
    /** Where the runtime's clients point: through the AWS profile when it is on. */
    endpoints: ServiceEndpoints;
    /** The services given from outside; the others are embedded. */
    external: ServiceEndpoints;
    /** The S3 endpoint itself, without the AWS profile's latency or the fault proxy. */
    rawS3Endpoint?: string;
    profile?: AwsProfileProxy;
    faults?: RunFaults;
    standInsSeconds?: number;
}

export async function startEnvironment(options: RunOptions, clock: Clock): Promise<RunEnvironment> {
    await using cleanup = new CleanupStack();
    const external = options.endpoints ?? {};
    const endpoints: ServiceEndpoints = { ...external };
    let standInsSeconds: number | undefined;
    if (!external.s3 || !external.sqs || !external.kinesis) {
        const begin = clock.now();
        const standIns = cleanup.adopt(await startStandIns({ stateDir: options.restart?.stateDir }), (started) => started.stop());
        standInsSeconds = (clock.now() - begin) / 1000;
        endpoints.s3 ??= standIns.endpoints.s3;
        endpoints.sqs ??= standIns.endpoints.sqs;
        endpoints.kinesis ??= standIns.endpoints.kinesis;
    }
    const rawS3Endpoint = endpoints.s3;
    let profile: AwsProfileProxy | undefined;
    if (options.awsProfile) {
        profile = cleanup.adopt(await startAwsProfile({ kinesis: endpoints.kinesis!, s3: endpoints.s3! }, { ...options.awsProfile, clock }), (proxy) => proxy.close());
        endpoints.kinesis = profile.kinesisEndpoint;
        endpoints.s3 = profile.s3Endpoint;
    }
    const faults = options.faults ? cleanup.adopt(await startRunFaults(options.faults, endpoints, clock), (started) => started.close()) : undefined;
    const clients = cleanup.adopt(createAwsClients(options.region, endpoints), destroyAwsClients);
    const owned = cleanup.move();
    return { clients, endpoints, external, rawS3Endpoint, profile, faults, standInsSeconds, [Symbol.asyncDispose]: () => owned[Symbol.asyncDispose]() };
}
