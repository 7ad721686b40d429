import type { FanoutSettings } from "../../settings/parse";

/**
 * The slice of a stack's settings that a Kinesis event source mapping runs by
 * (services-kinesis-parameters). The stack's values are validated once, by settings/parse.ts;
 * the mapping trusts them. Tests may go outside the stack's ranges (a record age of 1 s, say)
 * to stay short.
 */
export type KinesisMappingSettings = Pick<
    FanoutSettings,
    "batchSize" | "maximumBatchingWindowInSeconds" | "parallelizationFactor" | "bisectBatchOnFunctionError" | "maximumRetryAttempts" | "maximumRecordAgeInSeconds"
> &
    MappingStartingPosition & {
        /** FunctionResponseTypes ["ReportBatchItemFailures"]: read `batchItemFailures` from the function's response. */
        reportBatchItemFailures: boolean;
    };

/** Where reading starts: the stack's positions, or AWS's AT_TIMESTAMP, which always carries its time. */
export type MappingStartingPosition =
    | { startingPosition: FanoutSettings["startingPosition"]; startingPositionTimestamp?: undefined }
    | { startingPosition: "AT_TIMESTAMP"; startingPositionTimestamp: Date };
