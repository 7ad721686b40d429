import * as http from "node:http";
import * as https from "node:https";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";

/**
 * Where the runtime's services are. Each endpoint is optional: without one, the SDK's own
 * resolution applies (AWS itself, or an AWS_ENDPOINT_URL_* variable), so the runtime uses only
 * documented AWS APIs and works against any service that speaks them.
 */
export interface ServiceEndpoints {
    s3?: string;
    sqs?: string;
    kinesis?: string;
}

export interface AwsClients {
    s3: S3Client;
    sqs: SQSClient;
    kinesis: KinesisClient;
}

/** HTTP/1.1 with keep-alive: kinesalite can't speak HTTP/2, and many small calls want reused sockets. */
export function httpHandler(maxSockets: number): NodeHttpHandler {
    return new NodeHttpHandler({
        httpAgent: new http.Agent({ keepAlive: true, maxSockets }),
        httpsAgent: new https.Agent({ keepAlive: true, maxSockets }),
    });
}

/** Stand-ins on this machine accept any credentials; anything else gets the SDK's default chain. */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

export function isLoopback(endpoint: string | undefined): boolean {
    if (!endpoint) return false;
    const host = new URL(endpoint).hostname;
    return host === "localhost" || host === "[::1]" || host.startsWith("127.");
}

function credentialsFor(endpoint: string | undefined) {
    return isLoopback(endpoint) ? { credentials: LOCAL_CREDENTIALS } : {};
}

export function createAwsClients(region: string, endpoints: ServiceEndpoints, maxSockets = 128): AwsClients {
    const common = { region, requestHandler: httpHandler(maxSockets) };
    return {
        s3: new S3Client({ ...common, ...credentialsFor(endpoints.s3), endpoint: endpoints.s3, forcePathStyle: endpoints.s3 !== undefined }),
        // fauxqs answers with queue URLs on *.localhost hosts; send to the endpoint, not to the URL's host.
        sqs: new SQSClient({ ...common, ...credentialsFor(endpoints.sqs), endpoint: endpoints.sqs, useQueueUrlAsEndpoint: false }),
        kinesis: new KinesisClient({ ...common, ...credentialsFor(endpoints.kinesis), endpoint: endpoints.kinesis }),
    };
}

export function destroyAwsClients(clients: AwsClients): void {
    clients.s3.destroy();
    clients.sqs.destroy();
    clients.kinesis.destroy();
}

/** The variables that point the functions' SDK clients at the same services (AWS's standard names). */
export function endpointEnvironment(endpoints: ServiceEndpoints): Record<string, string> {
    const variables: Record<string, string> = {};
    if (endpoints.s3) variables.AWS_ENDPOINT_URL_S3 = endpoints.s3;
    if (endpoints.sqs) variables.AWS_ENDPOINT_URL_SQS = endpoints.sqs;
    if (endpoints.kinesis) variables.AWS_ENDPOINT_URL_KINESIS = endpoints.kinesis;
    return variables;
}

/**
 * What stands in for the functions' execution role. Against the stand-ins: nothing (the
 * sandboxes get dummy credentials). When any service is elsewhere (AWS itself, say): the caller's
 * own credentials from the SDK's default chain, as the variables Lambda sets from the role.
 */
export async function executionRoleCredentials(clients: AwsClients, endpoints: ServiceEndpoints): Promise<Record<string, string>> {
    if ([endpoints.s3, endpoints.sqs, endpoints.kinesis].every(isLoopback)) return {};
    const credentials = await clients.s3.config.credentials();
    return {
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
    };
}
