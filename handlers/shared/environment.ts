import { METRIC_SERVICE, METRICS_NAMESPACE } from "./metric-names";

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
    /** The namespace of the handlers' metrics (Powertools reads it itself). */
    metricsNamespace: "POWERTOOLS_METRICS_NAMESPACE",
    /** The value of the metrics' `Pipeline` dimension: which stack's pipeline this function is part of. */
    pipelineName: "PIPELINE_NAME",
} as const;

/** What both functions' metrics need: the `Pipeline` dimension (absent: the metrics have only `service`). */
interface MetricsValues<T> {
    pipelineName?: T;
}

function metricsEnvironment<T>(service: string, values: MetricsValues<T>): Record<string, T | string> {
    return {
        [ENV.serviceName]: service,
        [ENV.metricsNamespace]: METRICS_NAMESPACE,
        ...(values.pipelineName === undefined ? {} : { [ENV.pipelineName]: values.pipelineName }),
    };
}

export function splitterEnvironment<T>(values: MetricsValues<T> & {
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
        ...metricsEnvironment(METRIC_SERVICE.splitter, values),
        [ENV.maxChainInvocations]: String(values.maxChainInvocations),
        ...(values.handOffClaimBucket === undefined ? {} : { [ENV.handOffClaimBucket]: values.handOffClaimBucket }),
    };
}

export function writerEnvironment<T>(values: MetricsValues<T> & {
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
        ...metricsEnvironment(METRIC_SERVICE.writer, values),
    };
}

/** Reads a required variable, naming it when it is missing. */
export function requireEnv(env: NodeJS.ProcessEnv, name: string): string {
    const value = env[name];
    if (value === undefined || value === "") throw new Error(`environment variable ${name} is not set`);
    return value;
}
