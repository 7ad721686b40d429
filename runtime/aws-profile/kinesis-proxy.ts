import * as http from "node:http";
import type { Clock } from "../clock";
import { forwardBuffered, readBody, writeBuffered, failGateway, type BufferedResponse } from "./http-forward";
import { GetRecordsCap, type WireGetRecordsOutput } from "./get-records-cap";
import { IteratorRegistry, type IteratorShard } from "./iterator-registry";
import { kinesisJsonResponse, throughputExceededResponse, withJsonBody } from "./kinesis-responses";
import { padTo, type LatencyClass, type LatencySampler } from "./latency";
import { isWireEntry, mergePutRecordsResults, recordBytes, throttledEntry, type WireEntry, type WirePutRecordsOutput, type WireResultEntry } from "./put-records";
import { ShardDirectory } from "./shard-directory";
import { shardKeyOf, type ShardLimits } from "./shard-limits";
import { hashKeyOf, shardForHashKey, streamNameOf, type ShardRange } from "./shard-routing";
import { countCall, type AwsProfileStats } from "./stats";
import { AWS_LIMITS } from "../../settings/aws-limits";

/** Calls after which the stream's shards may differ from the cached ones. */
const RESHAPING_OPERATIONS = new Set(["CreateStream", "DeleteStream", "UpdateShardCount", "SplitShard", "MergeShards"]);
const PUT_RECORDS_MAX_ENTRIES = AWS_LIMITS.kinesis.putRecordsMaxRecords;

type JsonObject = Record<string, unknown>;

interface KinesisCall {
    req: http.IncomingMessage;
    body: Buffer;
    operation: string;
    /** The parsed JSON body, or undefined when it isn't JSON (a CBOR client): such calls go through unlimited. */
    request: JsonObject | undefined;
}

/**
 * The Kinesis side of the AWS profile (JSON 1.1 protocol, which @aws-sdk/client-kinesis uses).
 * Every call is read whole, judged against the shard limits, forwarded (rewritten only when some
 * PutRecords entries are kept back), and answered no sooner than its calibrated latency.
 */
export class KinesisProfile {
    private readonly agent = new http.Agent({ keepAlive: true });
    private readonly directory: ShardDirectory;
    private readonly iterators: IteratorRegistry;
    private readonly getRecordsCap: GetRecordsCap;

    constructor(
        private readonly upstream: URL,
        private readonly limits: ShardLimits,
        private readonly latency: LatencySampler,
        private readonly stats: AwsProfileStats,
        private readonly clock: Clock,
    ) {
        this.directory = new ShardDirectory(upstream.origin);
        this.iterators = new IteratorRegistry(clock);
        this.getRecordsCap = new GetRecordsCap(upstream.origin);
    }

    readonly handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
        const startedAt = this.clock.now();
        this.respond(req, startedAt).then(
            (response) => {
                this.stats.kinesis.responseBytes += response.body.length;
                writeBuffered(res, response);
            },
            (error) => failGateway(res, error),
        );
    };

    close(): void {
        this.agent.destroy();
        this.directory.close();
        this.getRecordsCap.close();
    }

    private async respond(req: http.IncomingMessage, startedAt: number): Promise<BufferedResponse> {
        const body = await readBody(req);
        this.stats.kinesis.requestBytes += body.length;
        const operation = String(req.headers["x-amz-target"] ?? "").split(".")[1] ?? "";
        countCall(this.stats.kinesis.calls, operation || "unknown");
        const call: KinesisCall = { req, body, operation, request: parseJson(req, body) };
        const response = await this.dispatch(call);
        this.stats.addedDelayMs += await padTo(this.clock, startedAt, this.latency.sampleMs(latencyClassOf(operation)));
        return response;
    }

    private dispatch(call: KinesisCall): Promise<BufferedResponse> {
        if (!call.request) return this.forward(call);
        switch (call.operation) {
            case "PutRecords":
                return this.putRecords(call, call.request);
            case "PutRecord":
                return this.putRecord(call, call.request);
            case "GetShardIterator":
                return this.getShardIterator(call, call.request);
            case "GetRecords":
                return this.getRecords(call, call.request);
            default:
                return this.forwardReshaping(call, call.request);
        }
    }

    private forward(call: KinesisCall, body: Buffer = call.body): Promise<BufferedResponse> {
        return forwardBuffered(this.upstream, this.agent, call.req, body);
    }

    private async forwardReshaping(call: KinesisCall, request: JsonObject): Promise<BufferedResponse> {
        const response = await this.forward(call);
        const streamName = streamNameOf(request);
        if (RESHAPING_OPERATIONS.has(call.operation) && streamName) this.directory.forget(streamName);
        return response;
    }

    private async putRecords(call: KinesisCall, request: JsonObject): Promise<BufferedResponse> {
        const streamName = streamNameOf(request);
        const entries = request.Records;
        const valid = Array.isArray(entries) && entries.length > 0 && entries.length <= PUT_RECORDS_MAX_ENTRIES && entries.every(isWireEntry);
        // Requests the upstream will refuse anyway go through untouched, so the caller gets the upstream's own error.
        const shards = streamName && valid ? await this.shardsFor(streamName, entries) : undefined;
        if (!streamName || !valid || !shards) return this.forward(call);

        const throttled: (WireResultEntry | undefined)[] = [];
        const kept: WireEntry[] = [];
        const keptBytes: number[] = [];
        entries.forEach((entry, index) => {
            const shard = shards[index];
            const bytes = recordBytes(entry);
            if (this.limits.tryWrite(shardKeyOf(streamName, shard.shardId), bytes)) {
                kept.push(entry);
                keptBytes.push(bytes);
            } else {
                throttled[index] = throttledEntry(streamName, shard.shardId);
            }
        });
        this.stats.kinesis.putEntries += entries.length;
        this.stats.kinesis.throttledPutEntries += entries.length - kept.length;

        if (kept.length === 0) {
            return kinesisJsonResponse(200, mergePutRecordsResults(throttled, entries.length, { Records: [] }));
        }
        const rewritten = kept.length < entries.length;
        const response = await this.forward(call, rewritten ? Buffer.from(JSON.stringify({ ...request, Records: kept })) : call.body);
        if (response.statusCode !== 200) return response;
        const output = JSON.parse(response.body.toString("utf8")) as WirePutRecordsOutput;
        (output.Records ?? []).forEach((result, index) => {
            if (!result.ErrorCode) this.stats.kinesis.writtenRecordBytes += keptBytes[index] ?? 0;
        });
        return rewritten ? withJsonBody(response, mergePutRecordsResults(throttled, entries.length, output)) : response;
    }

    private async putRecord(call: KinesisCall, request: JsonObject): Promise<BufferedResponse> {
        const streamName = streamNameOf(request);
        if (!streamName || !isWireEntry(request)) return this.forward(call);
        const entry = request as unknown as WireEntry;
        const [shard] = (await this.shardsFor(streamName, [entry])) ?? [];
        if (!shard) return this.forward(call);
        this.stats.kinesis.putEntries += 1;
        const bytes = recordBytes(entry);
        if (!this.limits.tryWrite(shardKeyOf(streamName, shard.shardId), bytes)) {
            this.stats.kinesis.throttledPutEntries += 1;
            return throughputExceededResponse(streamName, shard.shardId);
        }
        const response = await this.forward(call);
        if (response.statusCode === 200) this.stats.kinesis.writtenRecordBytes += bytes;
        return response;
    }

    private async getShardIterator(call: KinesisCall, request: JsonObject): Promise<BufferedResponse> {
        const response = await this.forward(call);
        const streamName = streamNameOf(request);
        const shardId = request.ShardId;
        if (response.statusCode !== 200 || !streamName || typeof shardId !== "string") return response;
        const output = JSON.parse(response.body.toString("utf8")) as { ShardIterator?: string };
        this.iterators.remember(output.ShardIterator, { streamName, shardId });
        return response;
    }

    private async getRecords(call: KinesisCall, request: JsonObject): Promise<BufferedResponse> {
        const shard: IteratorShard | undefined = this.iterators.shardOf(request.ShardIterator);
        if (!shard) {
            this.stats.kinesis.untrackedGetRecordsCalls += 1;
            return this.forward(call);
        }
        const shardKey = shardKeyOf(shard.streamName, shard.shardId);
        if (!this.limits.tryRead(shardKey)) {
            this.stats.kinesis.throttledGetRecordsCalls += 1;
            return throughputExceededResponse(shard.streamName, shard.shardId);
        }
        const forwarded = await this.forward(call);
        if (forwarded.statusCode !== 200) return forwarded;
        const whole = JSON.parse(forwarded.body.toString("utf8")) as WireGetRecordsOutput;
        const capped = await this.getRecordsCap.cut(shard.streamName, shard.shardId, whole);
        const output = capped ?? whole;
        const response = capped ? withJsonBody(forwarded, capped) : forwarded;
        const bytes = (output.Records ?? []).reduce((sum, record) => sum + (isWireEntry(record) ? recordBytes(record) : 0), 0);
        this.limits.chargeRead(shardKey, bytes);
        this.stats.kinesis.readRecordBytes += bytes;
        this.iterators.remember(output.NextShardIterator, shard);
        return response;
    }

    /** Each entry's shard, in order; undefined when the stream is unknown or some hash key lies in no shard even after a fresh look. */
    private async shardsFor(streamName: string, entries: readonly WireEntry[]): Promise<ShardRange[] | undefined> {
        let hashKeys: bigint[];
        try {
            hashKeys = entries.map((entry) => hashKeyOf(entry.PartitionKey, entry.ExplicitHashKey));
        } catch {
            return undefined; // an ExplicitHashKey that isn't a decimal number: the upstream refuses it
        }
        const place = (shards: ShardRange[]) => {
            const placed = hashKeys.map((hashKey) => shardForHashKey(shards, hashKey));
            return placed.every((shard): shard is ShardRange => shard !== undefined) ? placed : undefined;
        };
        const cached = await this.directory.shards(streamName);
        if (!cached) return undefined;
        const placed = place(cached);
        if (placed) return placed;
        this.directory.forget(streamName);
        const refreshed = await this.directory.shards(streamName);
        return refreshed && place(refreshed);
    }
}

function parseJson(req: http.IncomingMessage, body: Buffer): JsonObject | undefined {
    if (!String(req.headers["content-type"] ?? "").includes("json")) return undefined;
    try {
        const parsed: unknown = JSON.parse(body.toString("utf8"));
        return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as JsonObject) : undefined;
    } catch {
        return undefined;
    }
}

function latencyClassOf(operation: string): LatencyClass {
    if (operation === "PutRecords" || operation === "PutRecord") return "put-records";
    if (operation === "GetRecords") return "get-records";
    return "other";
}
