import { kinesisJsonResponse } from "../aws-profile/kinesis-responses";
import type { BufferedResponse } from "../aws-profile/http-forward";
import { rateExceededMessage, STAND_IN_ACCOUNT, THROUGHPUT_EXCEEDED } from "../aws-profile/kinesis-responses";
import type { WireResultEntry } from "../aws-profile/put-records";
import type { FaultDice } from "./random";

/**
 * The Kinesis failures a PutRecords entry can meet, as AWS reports them: inside a 200 response,
 * per entry, with `FailedRecordCount` counting them (the caller must retry just those entries).
 */
export const INTERNAL_FAILURE = "InternalFailure";
export type PutEntryFault = typeof THROUGHPUT_EXCEEDED | typeof INTERNAL_FAILURE;

/** Draws each entry's fate: undefined (goes through) or the error it fails with, half and half. */
export function pickFailedEntries(count: number, dice: FaultDice): (PutEntryFault | undefined)[] {
    return Array.from({ length: count }, () => (dice.roll() ? (dice.next() < 0.5 ? THROUGHPUT_EXCEEDED : INTERNAL_FAILURE) : undefined));
}

/** The result entry AWS gives a failed entry. */
export function failedEntry(fault: PutEntryFault, streamName: string, shardId: string): WireResultEntry {
    if (fault === THROUGHPUT_EXCEEDED) return { ErrorCode: THROUGHPUT_EXCEEDED, ErrorMessage: rateExceededMessage(streamName, shardId) };
    return { ErrorCode: INTERNAL_FAILURE, ErrorMessage: "Internal service failure." };
}

/** A whole PutRecord call that failed: 400 for throttling, 500 for an internal failure, as AWS answers. */
export function failedPutRecordResponse(fault: PutEntryFault, streamName: string): BufferedResponse {
    if (fault === THROUGHPUT_EXCEEDED) {
        return kinesisJsonResponse(400, {
            __type: THROUGHPUT_EXCEEDED,
            message: `Rate exceeded for stream ${streamName} under account ${STAND_IN_ACCOUNT}.`,
        });
    }
    const response = kinesisJsonResponse(500, { __type: INTERNAL_FAILURE, message: "Internal service failure." });
    return { ...response, statusMessage: "Internal Server Error" };
}
