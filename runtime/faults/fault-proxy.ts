import * as http from "node:http";
import { failGateway, forwardBuffered, forwardStreaming, readBody, writeBuffered, type BufferedResponse } from "../aws-profile/http-forward";
import { kinesisJsonResponse, withJsonBody } from "../aws-profile/kinesis-responses";
import { isWireEntry, mergePutRecordsResults, type WireEntry, type WirePutRecordsOutput, type WireResultEntry } from "../aws-profile/put-records";
import { s3OperationOf } from "../aws-profile/s3-proxy";
import { ShardDirectory } from "../aws-profile/shard-directory";
import { hashKeyOf, shardForHashKey, streamNameOf } from "../aws-profile/shard-routing";
import type { FaultOptions } from "./fault-options";
import { failedEntry, failedPutRecordResponse, pickFailedEntries } from "./put-records-faults";
import { FaultDice } from "./random";
import { pickWriteFault, s3ErrorResponse } from "./s3-faults";
import { closeServer, endpointOf, listenOnLoopback as listen } from "../support/loopback-server";

/**
 * A proxy in front of Kinesis and S3 for the functions' calls only, that fails a fraction of them
 * the way AWS fails them:
 * - PutRecords: each entry fails with probability failPutRate (ProvisionedThroughputExceededException
 *   or InternalFailure, inside a 200 response); failed entries are not forwarded. PutRecord fails
 *   whole (400 or 500).
 * - S3 PutObject: fails with probability failWriteRate (500 InternalError or 503 SlowDown, with
 *   S3's XML error body) and is not forwarded.
 * Everything else goes through untouched. It can sit in front of the AWS profile or the stand-ins.
 */
export interface FaultProxyStats {
    putEntries: number;
    failedPutEntries: Record<string, number>;
    putObjects: number;
    failedPutObjects: Record<string, number>;
}

export interface FaultProxy {
    kinesisEndpoint: string;
    s3Endpoint: string;
    stats(): FaultProxyStats;
    close(): Promise<void>;
}

type FaultRates = Pick<FaultOptions, "failPutRate" | "failWriteRate" | "seed">;

const count = (counts: Record<string, number>, name: string, by = 1) => (counts[name] = (counts[name] ?? 0) + by);

export async function startFaultProxy(upstream: { kinesis: string; s3: string }, options: FaultRates): Promise<FaultProxy> {
    const stats: FaultProxyStats = { putEntries: 0, failedPutEntries: {}, putObjects: 0, failedPutObjects: {} };
    const kinesis = new KinesisFaults(new URL(upstream.kinesis), new FaultDice(options.failPutRate, options.seed, 1), stats);
    const s3 = new S3Faults(new URL(upstream.s3), new FaultDice(options.failWriteRate, options.seed, 2), stats);
    const servers = await Promise.all([listen(kinesis.handle), listen(s3.handle)]);
    return {
        kinesisEndpoint: endpointOf(servers[0]),
        s3Endpoint: endpointOf(servers[1]),
        stats: () => ({ ...stats, failedPutEntries: { ...stats.failedPutEntries }, failedPutObjects: { ...stats.failedPutObjects } }),
        close: async () => {
            await Promise.all(servers.map(closeServer));
            kinesis.close();
            s3.close();
        },
    };
}

class KinesisFaults {
    private readonly agent = new http.Agent({ keepAlive: true });
    private readonly directory: ShardDirectory;

    constructor(
        private readonly upstream: URL,
        private readonly dice: FaultDice,
        private readonly stats: FaultProxyStats,
    ) {
        this.directory = new ShardDirectory(upstream.origin);
    }

    readonly handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
        this.respond(req).then(
            (response) => writeBuffered(res, response),
            (error) => failGateway(res, error),
        );
    };

    close(): void {
        this.agent.destroy();
        this.directory.close();
    }

    private async respond(req: http.IncomingMessage): Promise<BufferedResponse> {
        const body = await readBody(req);
        const operation = String(req.headers["x-amz-target"] ?? "").split(".")[1] ?? "";
        const request = operation === "PutRecords" || operation === "PutRecord" ? parseJson(body) : undefined;
        if (request && operation === "PutRecords") return this.putRecords(req, body, request);
        if (request && operation === "PutRecord") return this.putRecord(req, body, request);
        return forwardBuffered(this.upstream, this.agent, req, body);
    }

    private async putRecords(req: http.IncomingMessage, body: Buffer, request: Record<string, unknown>): Promise<BufferedResponse> {
        const streamName = streamNameOf(request);
        const entries = request.Records;
        if (!streamName || !Array.isArray(entries) || entries.length === 0 || !entries.every(isWireEntry)) {
            return forwardBuffered(this.upstream, this.agent, req, body);
        }
        const faults = pickFailedEntries(entries.length, this.dice);
        this.stats.putEntries += entries.length;
        if (faults.every((fault) => fault === undefined)) return forwardBuffered(this.upstream, this.agent, req, body);

        const shardIds = await this.shardIdsOf(streamName, entries);
        const failed: (WireResultEntry | undefined)[] = faults.map((fault, index) => fault && failedEntry(fault, streamName, shardIds[index]));
        for (const fault of faults) if (fault) count(this.stats.failedPutEntries, fault);
        const kept = entries.filter((_, index) => faults[index] === undefined);
        if (kept.length === 0) return kinesisJsonResponse(200, mergePutRecordsResults(failed, entries.length, { Records: [] }));
        const response = await forwardBuffered(this.upstream, this.agent, req, Buffer.from(JSON.stringify({ ...request, Records: kept })));
        if (response.statusCode !== 200) return response;
        const output = JSON.parse(response.body.toString("utf8")) as WirePutRecordsOutput;
        return withJsonBody(response, mergePutRecordsResults(failed, entries.length, output));
    }

    private async putRecord(req: http.IncomingMessage, body: Buffer, request: Record<string, unknown>): Promise<BufferedResponse> {
        const streamName = streamNameOf(request);
        if (!streamName || !isWireEntry(request)) return forwardBuffered(this.upstream, this.agent, req, body);
        this.stats.putEntries += 1;
        const [fault] = pickFailedEntries(1, this.dice);
        if (!fault) return forwardBuffered(this.upstream, this.agent, req, body);
        count(this.stats.failedPutEntries, fault);
        return failedPutRecordResponse(fault, streamName);
    }

    /** Each entry's shard id, for the error messages; "unknown" when the stream can't be listed. */
    private async shardIdsOf(streamName: string, entries: readonly WireEntry[]): Promise<string[]> {
        const shards = await this.directory.shards(streamName);
        return entries.map((entry) => {
            try {
                return (shards && shardForHashKey(shards, hashKeyOf(entry.PartitionKey, entry.ExplicitHashKey))?.shardId) ?? "unknown";
            } catch {
                return "unknown";
            }
        });
    }
}

class S3Faults {
    private readonly agent = new http.Agent({ keepAlive: true });

    constructor(
        private readonly upstream: URL,
        private readonly dice: FaultDice,
        private readonly stats: FaultProxyStats,
    ) {}

    readonly handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
        if (s3OperationOf(req) === "PutObject") {
            this.stats.putObjects++;
            const fault = pickWriteFault(this.dice);
            if (fault) {
                count(this.stats.failedPutObjects, fault);
                const error = s3ErrorResponse(fault, new URL(req.url ?? "/", "http://placeholder").pathname);
                // The body is read (and dropped) first, so the connection stays usable for the SDK's retry.
                req.resume();
                req.on("end", () => {
                    res.writeHead(error.statusCode, error.statusMessage, error.headers);
                    res.end(error.body);
                });
                return;
            }
        }
        forwardStreaming(this.upstream, this.agent, req, res);
    };

    close(): void {
        this.agent.destroy();
    }
}

function parseJson(body: Buffer): Record<string, unknown> | undefined {
    try {
        const parsed: unknown = JSON.parse(body.toString("utf8"));
        return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
    } catch {
        return undefined;
    }
}

