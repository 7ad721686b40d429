/**
 * An event source mapping wired to a test function, with every event it sends recorded, and short
 * intervals so the tests stay fast.
 */
import type { KinesisStreamEvent } from "aws-lambda";
import type { CheckpointStore } from "../../runtime/event-sources/checkpoint-store";
import { KinesisEventSourceMapping, type KinesisMappingSettings } from "../../runtime/event-sources/kinesis-event-source-mapping";
import type { FunctionPool, InvocationResult } from "../../runtime/lambda/function-pool";
import { REGION, type RuntimeHarness } from "./runtime-harness";

export const MAPPING_DEFAULTS: KinesisMappingSettings = {
    batchSize: 100,
    maximumBatchingWindowInSeconds: 0,
    parallelizationFactor: 1,
    startingPosition: "TRIM_HORIZON",
    bisectBatchOnFunctionError: false,
    maximumRetryAttempts: -1,
    maximumRecordAgeInSeconds: -1,
    reportBatchItemFailures: false,
};

export interface RecordedMapping {
    mapping: KinesisEventSourceMapping;
    /** Every event sent, in the order invocations started. */
    events: KinesisStreamEvent[];
    results: InvocationResult[];
}

export function recordedMapping(
    harness: RuntimeHarness,
    stream: { streamName: string; streamArn: string },
    fn: FunctionPool,
    settings: Partial<KinesisMappingSettings>,
    extra: {
        onFailureQueueUrl?: string;
        checkpoints?: CheckpointStore;
        /** Runs around each invocation, e.g. to watch which batches overlap. */
        around?: (event: KinesisStreamEvent, invoke: () => Promise<InvocationResult>) => Promise<InvocationResult>;
    } = {},
): RecordedMapping {
    const events: KinesisStreamEvent[] = [];
    const results: InvocationResult[] = [];
    const mapping = new KinesisEventSourceMapping({
        kinesis: harness.kinesis,
        sqs: harness.sqs,
        streamName: stream.streamName,
        streamArn: stream.streamArn,
        functionArn: fn.functionArn,
        region: REGION,
        // A partial union spread loses its discriminant; the parts given are whole starting positions.
        settings: { ...MAPPING_DEFAULTS, ...settings } as KinesisMappingSettings,
        invoke: async (event) => {
            events.push(event);
            const result = extra.around ? await extra.around(event, () => fn.invoke(event)) : await fn.invoke(event);
            results.push(result);
            return result;
        },
        getRecordsIntervalMs: 20,
        caughtUpPollIntervalMs: 20,
        retryDelay: { startingDelayMs: 10, maxDelayMs: 40 },
        onFailureQueueUrl: extra.onFailureQueueUrl,
        checkpoints: extra.checkpoints,
    });
    return { mapping, events, results };
}
