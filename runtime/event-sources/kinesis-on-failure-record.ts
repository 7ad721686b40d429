import type { BufferedRecord } from "./kinesis-event";

/**
 * The document an event source mapping sends to its on-failure destination when it discards
 * records, shaped like AWS's "Example invocation record" for a Kinesis stream
 * (kinesis-on-failure-destination). The records themselves are not included, only where to find them.
 */
export type DiscardCondition = "RetryAttemptsExhausted" | "RecordAgeExceeded";

export interface KinesisOnFailureRecord {
    requestContext: { requestId: string; functionArn: string; condition: DiscardCondition; approximateInvokeCount: number };
    /** Omitted when the records were discarded before any invocation. */
    responseContext?: { statusCode: number; executedVersion: string; functionError?: string };
    version: "1.0";
    timestamp: string;
    KinesisBatchInfo: {
        shardId: string;
        startSequenceNumber: string;
        endSequenceNumber: string;
        approximateArrivalOfFirstRecord: string;
        approximateArrivalOfLastRecord: string;
        batchSize: number;
        streamArn: string;
    };
}

export interface LastInvocation {
    requestId: string;
    /** True when the function threw, timed out or crashed (not for a partial batch response). */
    functionError: boolean;
}

export function kinesisOnFailureRecord(options: {
    records: readonly BufferedRecord[];
    condition: DiscardCondition;
    invokeCount: number;
    lastInvocation?: LastInvocation;
    shardId: string;
    streamArn: string;
    functionArn: string;
    requestIdIfNeverInvoked: string;
    /** When the record is written, in epoch milliseconds (the mapping's clock). */
    nowMs: number;
}): KinesisOnFailureRecord {
    const { records, lastInvocation } = options;
    const first = records[0];
    const last = records[records.length - 1];
    const document: KinesisOnFailureRecord = {
        requestContext: {
            requestId: lastInvocation?.requestId ?? options.requestIdIfNeverInvoked,
            functionArn: options.functionArn,
            condition: options.condition,
            approximateInvokeCount: options.invokeCount,
        },
        version: "1.0",
        timestamp: new Date(options.nowMs).toISOString(),
        KinesisBatchInfo: {
            shardId: options.shardId,
            startSequenceNumber: first.sequenceNumber,
            endSequenceNumber: last.sequenceNumber,
            approximateArrivalOfFirstRecord: new Date(first.arrivalMs).toISOString(),
            approximateArrivalOfLastRecord: new Date(last.arrivalMs).toISOString(),
            batchSize: records.length,
            streamArn: options.streamArn,
        },
    };
    if (lastInvocation) {
        document.responseContext = { statusCode: 200, executedVersion: "$LATEST" };
        if (lastInvocation.functionError) document.responseContext.functionError = "Unhandled";
    }
    return document;
}
