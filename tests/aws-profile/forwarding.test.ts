import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { DescribeStreamSummaryCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { startAwsProfile, type AwsProfileProxy } from "../../runtime/aws-profile";
import { createStream, kinesisClient, s3Client, useStandIns } from "./fixtures";

const NO_LATENCY = { putRecordsLatencyMs: 0, getRecordsLatencyMs: [0, 0] as [number, number], otherLatencyMs: 0, s3PutObjectLatencyMs: 0, s3GetObjectLatencyMs: 0 };

interface Received {
    method: string;
    url: string;
    rawHeaders: string[];
    body: Buffer;
}

/** An upstream that records what reached it and answers with fixed binary bytes. */
async function recordingUpstream(reply: { status: number; headers: string[]; body: Buffer }) {
    const received: Received[] = [];
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (chunk: Buffer) => chunks.push(chunk));
        req.on("end", () => {
            received.push({ method: req.method!, url: req.url!, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks) });
            res.writeHead(reply.status, reply.headers);
            res.end(reply.body);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        received,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}

function send(endpoint: string, agent: http.Agent, options: { method: string; path: string; headers: Record<string, string>; body: Buffer }) {
    return new Promise<{ status: number; rawHeaders: string[]; body: Buffer; reusedSocket: boolean }>((resolve, reject) => {
        const req = http.request(`${endpoint}${options.path}`, { method: options.method, headers: options.headers, agent }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("end", () => resolve({ status: res.statusCode!, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks), reusedSocket: req.reusedSocket }));
        });
        req.on("error", reject);
        req.end(options.body);
    });
}

function header(rawHeaders: string[], name: string): string | undefined {
    const index = rawHeaders.findIndex((value, i) => i % 2 === 0 && value === name);
    return index < 0 ? undefined : rawHeaders[index + 1];
}

describe("AWS profile: forwarding", () => {
    describe("against a recording upstream", () => {
        const replyBody = randomBytes(64 * 1024);
        const reply = { status: 201, headers: ["X-Upstream-Case", "Kept", "Content-Type", "application/octet-stream", "Content-Length", String(replyBody.length)], body: replyBody };
        let upstream: Awaited<ReturnType<typeof recordingUpstream>>;
        let proxy: AwsProfileProxy;
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

        before(async () => {
            upstream = await recordingUpstream(reply);
            proxy = await startAwsProfile({ kinesis: upstream.endpoint, s3: upstream.endpoint }, NO_LATENCY);
        });
        after(async () => {
            agent.destroy();
            await proxy.close();
            await upstream.close();
        });

        for (const side of ["s3", "kinesis"] as const) {
            it(`passes a ${side} request and its response through byte for byte, header case included`, async () => {
                const body = side === "s3" ? randomBytes(256 * 1024) : Buffer.from(JSON.stringify({ StreamName: "s" }));
                const headers: Record<string, string> = { "X-Amz-Target": "Kinesis_20131202.DescribeStreamSummary", "Content-Type": "application/x-amz-json-1.1", "x-Custom-CASE": "Value 1" };
                const endpoint = side === "s3" ? proxy.s3Endpoint : proxy.kinesisEndpoint;

                const response = await send(endpoint, agent, { method: "POST", path: "/bucket/key?x=1", headers, body });

                const arrived = upstream.received.at(-1)!;
                assert.equal(arrived.method, "POST");
                assert.equal(arrived.url, "/bucket/key?x=1");
                assert.ok(arrived.body.equals(body), "request body changed on the way");
                assert.equal(header(arrived.rawHeaders, "x-Custom-CASE"), "Value 1");
                assert.equal(header(arrived.rawHeaders, "Content-Length"), String(body.length));
                assert.equal(response.status, 201);
                assert.ok(response.body.equals(replyBody), "response body changed on the way");
                assert.equal(header(response.rawHeaders, "X-Upstream-Case"), "Kept");
                assert.equal(header(response.rawHeaders, "Content-Length"), String(replyBody.length));
            });
        }

        it("keeps the caller's connection alive between calls", async () => {
            const call = () => send(proxy.s3Endpoint, agent, { method: "GET", path: "/bucket/key", headers: {}, body: Buffer.alloc(0) });
            await call();
            const second = await call();
            assert.equal(second.reusedSocket, true);
        });
    });

    describe("against the real stand-ins", () => {
        const standIns = useStandIns();
        let proxy: AwsProfileProxy;
        let kinesis: KinesisClient;
        let direct: KinesisClient;
        let s3: S3Client;

        before(async () => {
            proxy = await startAwsProfile(standIns().endpoints, NO_LATENCY);
            kinesis = kinesisClient(proxy.kinesisEndpoint);
            direct = kinesisClient(standIns().endpoints.kinesis);
            s3 = s3Client(proxy.s3Endpoint);
        });
        after(async () => {
            kinesis.destroy();
            direct.destroy();
            s3.destroy();
            await proxy.close();
        });

        it("creates a stream and describes it exactly as the stand-in does", async () => {
            const { streamName } = await createStream(kinesis, 3);
            const viaProxy = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
            const straight = await direct.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
            assert.deepEqual(viaProxy.StreamDescriptionSummary, straight.StreamDescriptionSummary);
            assert.equal(viaProxy.StreamDescriptionSummary?.OpenShardCount, 3);
            assert.equal(proxy.stats().kinesis.calls.CreateStream, 1);
        });

        it("round-trips a 5 MiB S3 object byte for byte", async () => {
            const body = randomBytes(5 * 1024 * 1024);
            await s3.send(new CreateBucketCommand({ Bucket: "aws-profile-forwarding" }));
            await s3.send(new PutObjectCommand({ Bucket: "aws-profile-forwarding", Key: "big.bin", Body: body }));
            const got = await s3.send(new GetObjectCommand({ Bucket: "aws-profile-forwarding", Key: "big.bin" }));
            const bytes = Buffer.from(await got.Body!.transformToByteArray());

            assert.equal(got.ContentLength, body.length);
            assert.ok(bytes.equals(body), "the object came back different");
            const stats = proxy.stats().s3;
            assert.equal(stats.calls.PutObject, 1);
            assert.equal(stats.calls.GetObject, 1);
            assert.ok(stats.responseBytes >= body.length);
        });
    });
});
