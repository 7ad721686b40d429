import { ENV, requireEnv } from "../shared/environment";
import { parseOutputKeyTemplate, type OutputKeyTemplate } from "../shared/output-key";

/** What the writer needs to know, read from its environment variables only. */
export interface WriterConfig {
    outputBucket: string;
    deadLetterQueueUrl: string;
    outputKeyTemplate: OutputKeyTemplate;
    /** Most PutObject (and dead-letter) calls in flight inside one invocation. */
    concurrency: number;
}

export const WRITER_CONCURRENCY_MAX = 1000;

/** Reads the writer's variables; throws an Error that names the variable and what is allowed. */
export function readWriterConfig(env: NodeJS.ProcessEnv): WriterConfig {
    const templateText = requireEnv(env, ENV.outputKeyTemplate);
    let outputKeyTemplate: OutputKeyTemplate;
    try {
        outputKeyTemplate = parseOutputKeyTemplate(templateText);
    } catch (error) {
        throw new Error(`environment variable ${ENV.outputKeyTemplate} ${(error as Error).message}`);
    }
    return {
        outputBucket: requireEnv(env, ENV.outputBucket),
        deadLetterQueueUrl: requireEnv(env, ENV.deadLetterQueueUrl),
        outputKeyTemplate,
        concurrency: parseConcurrency(requireEnv(env, ENV.writerConcurrency)),
    };
}

function parseConcurrency(text: string): number {
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < 1 || value > WRITER_CONCURRENCY_MAX) {
        throw new Error(`environment variable ${ENV.writerConcurrency} must be an integer from 1 to ${WRITER_CONCURRENCY_MAX} (got "${text}")`);
    }
    return value;
}
