import type { KinesisStreamEvent } from "aws-lambda";

/**
 * What a redrive acts on: the stack's two functions, its stream and its input bucket, either the
 * embedded runtime on a `--state` folder (local-target.ts) or a deployed stack (deployed-target.ts).
 */
export interface InvokeOutcome {
    ok: boolean;
    /** The function's error, or its partial batch response, when not ok. */
    error?: string;
    requestId?: string;
}

export interface KinesisRange {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    streamArn: string;
}

export interface RedriveTarget extends AsyncDisposable {
    /** Synchronous invocation of the splitter with this event (an S3 event or a continuation). */
    invokeSplitter(event: unknown): Promise<InvokeOutcome>;
    /** Synchronous invocation of the writer; not ok when it throws or reports any batch item failure. */
    invokeWriter(event: KinesisStreamEvent): Promise<InvokeOutcome>;
    /**
     * The records of a range, as the event the mapping would have sent, read back from the stream;
     * undefined when the stream no longer keeps them (older than its retention).
     */
    readStreamRange(range: KinesisRange): Promise<KinesisStreamEvent | undefined>;
    /** The bytes of one line (1-based) of a source object, for a poison line too large to travel in its dead letter. */
    readSourceLine(bucket: string, key: string, line: number): Promise<Buffer | undefined>;
    /** Waits until what the splitter put on the stream has been through the writer (local only; AWS's own mapping does it). */
    settle(): Promise<void>;
}
