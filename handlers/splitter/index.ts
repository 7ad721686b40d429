import { KinesisClient } from "@aws-sdk/client-kinesis";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { Logger } from "@aws-lambda-powertools/logger";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { Context } from "aws-lambda";
import { createHandlerMetrics, createMetricTally, publishTally } from "../shared/metrics";
import { readSplitterConfig } from "./config";
import { splitEvent, type SplitterEvent, type SplitterResult } from "./split-event";

export type { SplitterEvent, SplitterResult } from "./split-event";

/**
 * The splitter Lambda: the `callbackFactory` of its CallbackFunction. It runs once per sandbox,
 * creates the SDK clients there (a client captured at module level can't be serialized), and
 * returns the handler. Endpoints come from the SDK's standard settings (AWS_ENDPOINT_URL_S3 and
 * friends, AWS_ENDPOINT_URL_LAMBDA for the self-invoke that continues a file past the timeout),
 * configuration from the variables in handlers/shared/environment.ts. Each invocation publishes
 * its counts (handlers/shared/metrics.ts) as it ends, whether it succeeded or threw.
 */
export function createSplitterHandler(): (event: SplitterEvent, context: Context) => Promise<SplitterResult> {
    const logger = new Logger();
    const s3 = new S3Client({});
    // HTTP/1.1: works on AWS, and kinesalite can't speak the SDK's default HTTP/2.
    const kinesis = new KinesisClient({ requestHandler: new NodeHttpHandler() });
    // Send to the SDK's resolved endpoint (the regional one, or AWS_ENDPOINT_URL_SQS), not to the
    // queue URL's host: a local stand-in's queue URL may name a host that doesn't resolve.
    const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
    // One attempt: an asynchronous Invoke is not idempotent, and an SDK retry after a lost response
    // would start a second chain that sends the rest of the file again. A failed hand-off fails this
    // invocation instead, and Lambda's async retry re-sends only this invocation's lines.
    const lambda = new LambdaClient({ maxAttempts: 1 });
    const metrics = createHandlerMetrics("splitter", process.env, logger);
    return async (event, context) => {
        logger.addContext(context);
        const tally = createMetricTally();
        try {
            const config = readSplitterConfig(process.env);
            return await splitEvent(event, { s3, kinesis, sqs, lambda, config, logger, metrics: tally }, context);
        } finally {
            publishTally(metrics, "splitter", tally, logger);
        }
    };
}
