import { randomBytes } from "node:crypto";
import type { FaultDice } from "./random";

/**
 * The S3 PutObject failures a writer can meet, with S3's own XML error bodies
 * (docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html). The SDK retries both.
 */
export type S3WriteFault = "InternalError" | "SlowDown";

export interface S3ErrorResponse {
    statusCode: number;
    statusMessage: string;
    headers: Record<string, string>;
    body: Buffer;
}

const FAULTS: Record<S3WriteFault, { statusCode: number; statusMessage: string; message: string }> = {
    InternalError: { statusCode: 500, statusMessage: "Internal Server Error", message: "We encountered an internal error. Please try again." },
    SlowDown: { statusCode: 503, statusMessage: "Slow Down", message: "Please reduce your request rate." },
};

/** Undefined (the call goes through) or the error it fails with, half and half. */
export function pickWriteFault(dice: FaultDice): S3WriteFault | undefined {
    if (!dice.roll()) return undefined;
    return dice.next() < 0.5 ? "InternalError" : "SlowDown";
}

function escapeXml(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** The response S3 gives for the fault; `resource` is the request path (/bucket/key). */
export function s3ErrorResponse(fault: S3WriteFault, resource: string): S3ErrorResponse {
    const { statusCode, statusMessage, message } = FAULTS[fault];
    const requestId = randomBytes(8).toString("hex").toUpperCase();
    const hostId = randomBytes(32).toString("base64");
    const body = Buffer.from(
        '<?xml version="1.0" encoding="UTF-8"?>\n' +
            `<Error><Code>${fault}</Code><Message>${escapeXml(message)}</Message><Resource>${escapeXml(resource)}</Resource>` +
            `<RequestId>${requestId}</RequestId><HostId>${hostId}</HostId></Error>`,
    );
    return {
        statusCode,
        statusMessage,
        headers: { "Content-Type": "application/xml", "Content-Length": String(body.length), "x-amz-request-id": requestId, "x-amz-id-2": hostId },
        body,
    };
}
