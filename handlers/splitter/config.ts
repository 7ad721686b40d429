import { ENV, requireEnv } from "../shared/environment";
import { parsePartitionKey, type PartitionKeyStrategy } from "../shared/partition-key";

/** What the splitter needs to know, read from its environment variables only. */
export interface SplitterConfig {
    streamName: string;
    deadLetterQueueUrl: string;
    partitionKey: PartitionKeyStrategy;
    /** Hard cap on one chain's invocations; the checkpoint past it is dead-lettered. */
    maxChainInvocations: number;
    /** Where hand-off claims are made (handlers/splitter/hand-off-claim.ts); undefined: no claims. */
    handOffClaimBucket?: string;
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
    const streamName = requireEnv(env, ENV.streamName);
    const deadLetterQueueUrl = requireEnv(env, ENV.deadLetterQueueUrl);
    const capText = requireEnv(env, ENV.maxChainInvocations);
    const maxChainInvocations = Number(capText);
    if (!/^\d+$/.test(capText) || !Number.isSafeInteger(maxChainInvocations) || maxChainInvocations < 1) {
        throw new Error(`environment variable ${ENV.maxChainInvocations} must be a whole number of invocations ≥ 1 (got "${capText}")`);
    }
    const claimBucket = env[ENV.handOffClaimBucket];
    return {
        streamName,
        deadLetterQueueUrl,
        partitionKey,
        maxChainInvocations,
        ...(claimBucket ? { handOffClaimBucket: claimBucket } : {}),
    };
}
