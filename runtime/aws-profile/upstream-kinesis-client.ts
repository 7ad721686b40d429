import * as http from "node:http";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";

/**
 * The AWS profile's own client for the Kinesis behind it (shard ranges, a capped read's next
 * iterator): HTTP/1 as kinesalite needs, a few kept-alive sockets, dummy credentials.
 */
export function upstreamKinesisClient(upstreamEndpoint: string): KinesisClient {
    return new KinesisClient({
        region: "us-east-1",
        endpoint: upstreamEndpoint,
        credentials: { accessKeyId: "aws-profile", secretAccessKey: "aws-profile" },
        requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: 4 }) }),
        maxAttempts: 2,
    });
}
