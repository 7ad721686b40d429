import { GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";

/**
 * Reads every message on the dead-letter queue without deleting it: each is hidden for
 * `visibilitySeconds` while the queue is read, then becomes visible again for whoever inspects
 * or redrives the queue next.
 */
export async function readAllMessages(sqs: SQSClient, queueUrl: string, visibilitySeconds = 120): Promise<string[]> {
    const bodies: string[] = [];
    for (;;) {
        // Long polling: a short poll may answer empty while messages exist (it samples servers).
        const { Messages } = await sqs.send(
            new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: visibilitySeconds, WaitTimeSeconds: 1 }),
        );
        for (const message of Messages ?? []) bodies.push(message.Body ?? "");
        if (Messages?.length) continue;
        const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }));
        if (Number(Attributes?.ApproximateNumberOfMessages ?? 0) === 0) return bodies;
    }
}

/** SQS's approximate count of visible messages: cheap enough to poll for progress. */
export async function approximateMessages(sqs: SQSClient, queueUrl: string): Promise<number> {
    const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
}
