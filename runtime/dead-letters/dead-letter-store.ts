import { DeleteObjectCommand, HeadBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import {
    ChangeMessageVisibilityBatchCommand,
    DeleteMessageCommand,
    GetQueueAttributesCommand,
    ReceiveMessageCommand,
    type Message,
    type SQSClient,
} from "@aws-sdk/client-sqs";
import { describeBody, parseBody, type DeadLetter } from "./dead-letter";
import { listFailedBatchKeys, readFailedBatch } from "./failure-bucket";

/**
 * Where a stack's dead letters are kept: the dead-letter queue, and (with an S3 on-failure
 * destination) the failure bucket. Reading never deletes: each SQS message read is hidden while
 * the whole queue is read, then made visible again at once, so the next command sees it too.
 */
export interface DeadLetterLocation {
    sqs: SQSClient;
    s3: S3Client;
    queueUrl: string;
    /** Undefined or absent: the mapping's on-failure records are in the queue. */
    failureBucket?: string;
}

/**
 * Every dead letter. With `hold`, the queue's messages stay hidden (5 minutes) for a redrive,
 * which deletes those it redrove and hands the rest back with `release`; SQS deletes a message
 * only with the receipt handle of its latest receive.
 */
export async function readDeadLetters(location: DeadLetterLocation, options: { hold?: boolean } = {}): Promise<DeadLetter[]> {
    const [queued, stored] = await Promise.all([readQueue(location.sqs, location.queueUrl, options.hold ?? false), readFailureBucket(location)]);
    return [...queued, ...stored];
}

async function readQueue(sqs: SQSClient, queueUrl: string, hold: boolean): Promise<DeadLetter[]> {
    const messages: Message[] = [];
    let held = false;
    try {
        for (;;) {
            const { Messages } = await sqs.send(
                new ReceiveMessageCommand({
                    QueueUrl: queueUrl,
                    MaxNumberOfMessages: 10,
                    VisibilityTimeout: 300,
                    WaitTimeSeconds: 1,
                    MessageSystemAttributeNames: ["SentTimestamp"],
                }),
            );
            messages.push(...(Messages ?? []));
            if (Messages?.length) continue;
            const { Attributes } = await sqs.send(
                new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
            );
            // Messages another read is handing back (visible again within a second) are waited for.
            const visible = Number(Attributes?.ApproximateNumberOfMessages ?? 0);
            const hidden = Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
            if (visible === 0 && hidden <= messages.length) break;
        }
        held = hold;
    } finally {
        if (!held) await makeVisible(sqs, queueUrl, messages);
    }
    return messages.map((message) => {
        const body = parseBody(message.Body ?? "");
        const sent = Number(message.Attributes?.SentTimestamp);
        return {
            id: message.MessageId!,
            where: "queue",
            ...describeBody(body),
            at: Number.isFinite(sent) && sent > 0 ? new Date(sent) : undefined,
            body,
            receiptHandle: message.ReceiptHandle,
        } satisfies DeadLetter;
    });
}

/** Makes held queue messages visible again (those a redrive did not delete). */
export async function releaseDeadLetters(location: DeadLetterLocation, letters: readonly DeadLetter[]): Promise<void> {
    const queued = letters.filter((letter) => letter.where === "queue" && letter.receiptHandle);
    await makeVisible(location.sqs, location.queueUrl, queued.map((letter) => ({ ReceiptHandle: letter.receiptHandle })));
}

/**
 * Visible again within a second: a read must not hide the queue from the next command. One second
 * and not zero: fauxqs 2.4 with a data folder fails ChangeMessageVisibility to 0 ("NOT NULL
 * constraint failed: sqs_messages.approximate_receive_count"); an expired visibility works.
 */
async function makeVisible(sqs: SQSClient, queueUrl: string, messages: Array<Pick<Message, "ReceiptHandle">>): Promise<void> {
    for (let index = 0; index < messages.length; index += 10) {
        const entries = messages.slice(index, index + 10).map((message, at) => ({ Id: String(at), ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: 1 }));
        await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    }
}

async function readFailureBucket(location: DeadLetterLocation): Promise<DeadLetter[]> {
    const bucket = location.failureBucket;
    if (!bucket || !(await bucketExists(location.s3, bucket))) return [];
    const keys = await listFailedBatchKeys(location.s3, bucket);
    return Promise.all(
        keys.map(async ({ key, lastModified }) => {
            const body = await readFailedBatch(location.s3, bucket, key);
            return { id: `s3://${bucket}/${key}`, where: "failure-bucket", ...describeBody(body), at: lastModified ?? new Date(body.timestamp), body } satisfies DeadLetter;
        }),
    );
}

async function bucketExists(s3: S3Client, bucket: string): Promise<boolean> {
    try {
        await s3.send(new HeadBucketCommand({ Bucket: bucket }));
        return true;
    } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 404) return false;
        throw error;
    }
}

/** Removes one dead letter; call only after its redrive succeeded. The receipt handle must be from this command's read. */
export async function deleteDeadLetter(location: DeadLetterLocation, letter: DeadLetter): Promise<void> {
    if (letter.where === "queue") {
        await location.sqs.send(new DeleteMessageCommand({ QueueUrl: location.queueUrl, ReceiptHandle: letter.receiptHandle! }));
        return;
    }
    const [, , bucket, ...key] = letter.id.split("/");
    await location.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key.join("/") }));
}
