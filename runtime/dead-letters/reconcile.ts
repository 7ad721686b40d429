import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import { DEAD_LETTER_TYPE, type DeadLetterMessage } from "../../handlers/shared/dead-letter";
import type { FanoutSettings } from "../../settings/parse";
import { expectedOutput } from "../pipeline/expected-output";
import { classifyDeadLetters, verifyOutput, type Verification } from "../pipeline/verify-output";
import type { DeadLetter } from "./dead-letter";
import type { ExportedLine } from "./redrive";

/**
 * After a redrive: the input object against the output bucket, the dead letters still kept and
 * the exported poison lines. Every valid line must be in the output bucket with its exact bytes,
 * and every line that can never be written must be dead-lettered or exported, for the reason the
 * contract gives it. Uses the run's own verification (runtime/pipeline/verify-output.ts).
 */
export interface Reconciliation {
    verification: Verification;
    /** Poison lines of this input in the export file. */
    exported: number;
    /** Dead letters still kept, of any kind. */
    stillKept: number;
}

export async function reconcile(options: {
    s3: S3Client;
    kinesis: KinesisClient;
    settings: FanoutSettings;
    inputBucket: string;
    inputKey: string;
    outputBucket: string;
    streamName: string;
    letters: readonly DeadLetter[];
    exported: readonly ExportedLine[];
}): Promise<Reconciliation> {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "kinesis-fanout-reconcile-"));
    try {
        const file = path.join(scratch, "input");
        const object = await options.s3.send(new GetObjectCommand({ Bucket: options.inputBucket, Key: options.inputKey }));
        await pipeline(object.Body as Readable, fs.createWriteStream(file));
        const expected = await expectedOutput(file, {
            bucket: options.inputBucket,
            key: options.inputKey,
            outputKeyTemplate: options.settings.outputKeyTemplate,
            partitionKey: options.settings.partitionKey,
            etag: object.ETag,
        });
        const fromExport = options.exported
            .filter((line) => line.sourceKey === options.inputKey && line.line !== undefined)
            .map((line) => JSON.stringify(exportedAsDeadLetter(line)));
        const kept = options.letters.map((letter) => JSON.stringify(letter.body));
        const verification = await verifyOutput({
            s3: options.s3,
            kinesis: options.kinesis,
            outputBucket: options.outputBucket,
            streamName: options.streamName,
            sourceKey: options.inputKey,
            expected,
            deadLetters: classifyDeadLetters([...kept, ...fromExport]),
        });
        return { verification, exported: fromExport.length, stillKept: options.letters.length };
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

function exportedAsDeadLetter(line: ExportedLine): DeadLetterMessage {
    return {
        type: DEAD_LETTER_TYPE,
        version: 1,
        stage: line.stage as DeadLetterMessage["stage"],
        reason: line.reason as DeadLetterMessage["reason"],
        detail: line.detail,
        source: { bucket: line.sourceBucket ?? "", key: line.sourceKey!, line: line.line! },
        bytes: line.bytes,
    };
}
