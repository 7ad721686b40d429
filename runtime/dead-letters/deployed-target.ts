import { KinesisClient } from "@aws-sdk/client-kinesis";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { DeadLetterLocation } from "./dead-letter-store";
import type { InvokeOutcome, RedriveTarget } from "./redrive-target";
import { readObjectLine, readStreamRange } from "./stream-range";

/**
 * A deployed stack, reached with the caller's own AWS credentials (the SDK's default chain) and
 * the names its stack outputs give (`deadLetterQueueUrl`, `failureBucketName`, `streamName`,
 * `splitterFunctionName`, `writerFunctionName`). Needs sqs:ReceiveMessage, ChangeMessageVisibility
 * and DeleteMessage on the queue, s3:ListBucket, GetObject and DeleteObject on the failure bucket,
 * s3:GetObject on the input bucket, kinesis:GetShardIterator and GetRecords on the stream, and
 * lambda:InvokeFunction on both functions.
 */
export interface DeployedStackNames {
    region?: string;
    queueUrl: string;
    failureBucket?: string;
    /** Read failed ranges from this stream; default the stream ARN in each on-failure record. */
    streamName?: string;
    splitterFunction?: string;
    writerFunction?: string;
}

export interface DeployedStack extends AsyncDisposable {
    location: DeadLetterLocation;
    target(): Promise<RedriveTarget>;
}

export function openDeployedStack(names: DeployedStackNames): DeployedStack {
    const region = names.region ? { region: names.region } : {};
    const s3 = new S3Client(region);
    const sqs = new SQSClient(region);
    const kinesis = new KinesisClient(region);
    const lambda = new LambdaClient(region);
    const location: DeadLetterLocation = { sqs, s3, queueUrl: names.queueUrl, failureBucket: names.failureBucket };
    const invoke = async (functionName: string | undefined, option: string, payload: unknown): Promise<InvokeOutcome & { payload?: unknown }> => {
        if (!functionName) throw new Error(`redriving this kind needs ${option}`);
        const response = await lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: "RequestResponse", Payload: Buffer.from(JSON.stringify(payload)) }));
        const text = response.Payload ? Buffer.from(response.Payload).toString("utf8") : "";
        const requestId = response.$metadata.requestId;
        if (response.FunctionError) return { ok: false, requestId, error: `${response.FunctionError}: ${text.slice(0, 500)}` };
        return { ok: true, requestId, payload: text ? JSON.parse(text) : undefined };
    };
    return {
        location,
        target: async () => ({
            invokeSplitter: (event) => invoke(names.splitterFunction, "--splitter-function", event),
            invokeWriter: async (event) => {
                const result = await invoke(names.writerFunction, "--writer-function", event);
                const failures = (result.payload as { batchItemFailures?: unknown[] } | undefined)?.batchItemFailures;
                if (result.ok && Array.isArray(failures) && failures.length > 0) return { ok: false, requestId: result.requestId, error: `${failures.length} batch item failure(s)` };
                return result;
            },
            readStreamRange: async (range) => {
                const resolvedRegion = await kinesis.config.region();
                const streamArn = names.streamName ? range.streamArn.replace(/[^/]+$/, names.streamName) : range.streamArn;
                return readStreamRange(kinesis, { ...range, streamArn }, { region: resolvedRegion, invokeIdentityArn: "" });
            },
            readSourceLine: (bucket, key, line) => readObjectLine(s3, bucket, key, line),
            // The deployed event source mapping takes what the splitter puts on the stream.
            settle: async () => undefined,
            [Symbol.asyncDispose]: async () => undefined,
        }),
        [Symbol.asyncDispose]: async () => {
            for (const client of [s3, sqs, kinesis, lambda]) client.destroy();
        },
    };
}
