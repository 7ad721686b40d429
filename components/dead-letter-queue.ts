import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AWS_LIMITS } from "../settings/aws-limits";

/** SQS's longest retention (14 days), so a dead letter outlives any weekend. */
export const DEAD_LETTER_RETENTION_SECONDS = AWS_LIMITS.sqs.messageRetentionSeconds.max;

export interface DeadLetterQueueArgs {
    /**
     * Seconds SQS keeps a message, 60 to 1,209,600 (14 days).
     * @default 1209600
     */
    messageRetentionSeconds?: number;
}

/**
 * The SQS queue for everything that can never be written: lines over 1 MiB (splitter), poison
 * records (writer), the event source mapping's on-failure batches and the splitter's failed
 * asynchronous invocations.
 *
 * Encrypted with SQS-managed keys (SSE-SQS). A customer managed KMS key would also work, but then
 * both functions' roles (Lambda sends the on-failure messages with them) would need
 * kms:GenerateDataKey and kms:Decrypt on that key.
 */
export class DeadLetterQueue extends pulumi.ComponentResource {
    readonly queue: aws.sqs.Queue;
    readonly arn: pulumi.Output<string>;
    readonly url: pulumi.Output<string>;
    readonly queueName: pulumi.Output<string>;

    constructor(name: string, args: DeadLetterQueueArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("kinesis-fanout:queueing:DeadLetterQueue", name, {}, opts);

        this.queue = new aws.sqs.Queue(
            name,
            {
                messageRetentionSeconds: args.messageRetentionSeconds ?? DEAD_LETTER_RETENTION_SECONDS,
                sqsManagedSseEnabled: true,
            },
            { parent: this },
        );

        this.arn = this.queue.arn;
        this.url = this.queue.url;
        this.queueName = this.queue.name;
        this.registerOutputs({ arn: this.arn, url: this.url, queueName: this.queueName });
    }
}
