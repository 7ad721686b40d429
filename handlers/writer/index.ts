import { Logger } from "@aws-lambda-powertools/logger";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { ENV } from "../shared/environment";
import { createHandlerMetrics, createMetricTally, publishTally } from "../shared/metrics";
import { readWriterConfig } from "./config";
import { writeBatch } from "./write-batch";

/**
 * The writer's S3 client settings that decide its cost per PutObject. PutObject needs no checksum
 * (S3 asks for one only on some operations, such as DeleteObjects), so the SDK computes none:
 * about 20% less client CPU per 2 KiB object. Each object's bytes are still proven afterwards by
 * its ETag (the MD5 of the body). The S3 ceiling probe (runtime/pipeline/s3-put-rate.ts) uses the
 * same settings, so the pipeline is measured against a client that does the same work.
 */
export const WRITER_S3_CLIENT_OPTIONS = { requestChecksumCalculation: "WHEN_REQUIRED" } as const;

/**
 * The writer Lambda: the `callbackFactory` of its CallbackFunction. It runs once per sandbox,
 * creates the SDK clients there (a client captured at module level can't be serialized), and
 * returns the handler. Endpoints come from the SDK's standard settings (AWS_ENDPOINT_URL_S3 and
 * friends), configuration from the variables in handlers/shared/environment.ts. Each invocation
 * publishes its counts (handlers/shared/metrics.ts) as it ends, whether it succeeded or threw.
 */
export function createWriterHandler(): (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse> {
    const logger = new Logger();
    // Keep-alive sockets, enough for every PutObject in flight (the SDK's default pool is 50).
    const maxSockets = Math.max(50, Number(process.env[ENV.writerConcurrency]) || 0);
    const agent = { keepAlive: true, maxSockets };
    const s3 = new S3Client({ ...WRITER_S3_CLIENT_OPTIONS, requestHandler: new NodeHttpHandler({ httpAgent: agent, httpsAgent: agent }) });
    // Send to the SDK's resolved endpoint (the regional one, or AWS_ENDPOINT_URL_SQS), not to the
    // queue URL's host: a local stand-in's queue URL may name a host that doesn't resolve.
    const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
    const metrics = createHandlerMetrics("writer", process.env, logger);
    return async (event, context) => {
        logger.addContext(context);
        const tally = createMetricTally();
        try {
            const config = readWriterConfig(process.env);
            return await writeBatch(event, { s3, sqs, config, logger, metrics: tally }, context);
        } finally {
            publishTally(metrics, "writer", tally, logger);
        }
    };
}
