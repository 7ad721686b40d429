import { ENV, requireEnv } from "../shared/environment";
import { parsePartitionKey, type PartitionKeyStrategy } from "../shared/partition-key";

/** What the splitter needs to know, read from its environment variables only. */
export interface SplitterConfig {
    streamName: string;
    deadLetterQueueUrl: string;
    partitionKey: PartitionKeyStrategy;
}

/** Reads the splitter's variables; throws an Error that names the variable and what is allowed. */
export function readSplitterConfig(env: NodeJS.ProcessEnv): SplitterConfig {
    const partitionKeyText = requireEnv(env, ENV.partitionKey);
    let partitionKey: PartitionKeyStrategy;
    try {
        partitionKey = parsePartitionKey(partitionKeyText);
    } catch (error) {
        throw new Error(`environment variable ${ENV.partitionKey} ${(error as Error).message}`);
    }
    return {
        streamName: requireEnv(env, ENV.streamName),
        deadLetterQueueUrl: requireEnv(env, ENV.deadLetterQueueUrl),
        partitionKey,
    };
}
