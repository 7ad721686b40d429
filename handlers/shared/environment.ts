/**
 * Names of the environment variables that carry resource names into the functions. The Pulumi
 * components and the embedded runtime both build the variables with these functions, so the code
 * that runs locally is configured exactly as the code that `pulumi up` deploys.
 */

export const ENV = {
    streamName: "STREAM_NAME",
    partitionKey: "PARTITION_KEY",
    deadLetterQueueUrl: "DEAD_LETTER_QUEUE_URL",
    outputBucket: "OUTPUT_BUCKET",
    outputKeyTemplate: "OUTPUT_KEY_TEMPLATE",
    writerConcurrency: "WRITER_CONCURRENCY",
    serviceName: "POWERTOOLS_SERVICE_NAME",
    maxChainInvocations: "MAX_CHAIN_INVOCATIONS",
    handOffClaimBucket: "HAND_OFF_CLAIM_BUCKET",
} as const;

export function splitterEnvironment<T>(values: {
    streamName: T;
    deadLetterQueueUrl: T;
    partitionKey: string;
    /** Hard cap on one chain's invocations (setting splitterMaxChainInvocations). */
    maxChainInvocations: number;
    /** Bucket that holds the hand-off claim markers (the output bucket); absent: no claims are made. */
    handOffClaimBucket?: T;
}): Record<string, T | string> {
    return {
        [ENV.streamName]: values.streamName,
        [ENV.deadLetterQueueUrl]: values.deadLetterQueueUrl,
        [ENV.partitionKey]: values.partitionKey,
        [ENV.serviceName]: "kinesis-fanout-splitter",
        [ENV.maxChainInvocations]: String(values.maxChainInvocations),
        ...(values.handOffClaimBucket === undefined ? {} : { [ENV.handOffClaimBucket]: values.handOffClaimBucket }),
    };
}

export function writerEnvironment<T>(values: {
    outputBucket: T;
    deadLetterQueueUrl: T;
    outputKeyTemplate: string;
    writerConcurrency: number;
}): Record<string, T | string> {
    return {
        [ENV.outputBucket]: values.outputBucket,
        [ENV.deadLetterQueueUrl]: values.deadLetterQueueUrl,
        [ENV.outputKeyTemplate]: values.outputKeyTemplate,
        [ENV.writerConcurrency]: String(values.writerConcurrency),
        [ENV.serviceName]: "kinesis-fanout-writer",
    };
}

/** Reads a required variable, naming it when it is missing. */
export function requireEnv(env: NodeJS.ProcessEnv, name: string): string {
    const value = env[name];
    if (value === undefined || value === "") throw new Error(`environment variable ${name} is not set`);
    return value;
}
