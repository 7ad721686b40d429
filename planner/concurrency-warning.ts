import { AWS_LIMITS } from "../settings/aws-limits";
import { writerLanes, type FanoutSettings } from "../settings/parse";

/**
 * Whether a stack gets the Lambda concurrency it needs ("Lambda quotas": 1,000 concurrent executions
 * per account and region by default, and new accounts can have less; "Configuring reserved
 * concurrency": at least 100 of them stay unreserved). The writer needs one execution per
 * concurrent batch (shards × parallelizationFactor) and the splitter one per file being split.
 * Short of that, Lambda throttles: the mapping retries a throttled batch, so the drain is slower,
 * not wrong. Returns the warnings, none when the stack fits.
 */
export function concurrencyWarnings(settings: FanoutSettings, shardsUsed: number, accountConcurrency: number = AWS_LIMITS.lambda.concurrency): string[] {
    const lanes = writerLanes(settings, shardsUsed);
    const reserved = settings.writerReservedConcurrency;
    const fmt = (value: number) => value.toLocaleString("en-US");
    const warnings: string[] = [];
    if (reserved !== -1 && reserved > accountConcurrency - 100) {
        warnings.push(
            `writerReservedConcurrency ${fmt(reserved)} can't be deployed in an account of ${fmt(accountConcurrency)} concurrent executions: ` +
                `AWS keeps 100 unreserved, so at most ${fmt(Math.max(0, accountConcurrency - 100))} can be reserved`,
        );
    }
    const writerGets = reserved !== -1 ? reserved : accountConcurrency - 1;
    if (writerGets < lanes) {
        const limit = reserved !== -1 ? `its reserved concurrency of ${fmt(reserved)}` : `the account's ${fmt(accountConcurrency)} concurrent executions (less 1 for the splitter)`;
        warnings.push(
            `the writer needs ${fmt(lanes)} concurrent executions (${fmt(shardsUsed)} shard(s) × parallelizationFactor ${settings.parallelizationFactor}) but gets ${limit}: ` +
                `Lambda throttles the other ${fmt(lanes - writerGets)} batch(es) and the mapping retries them, so the drain runs at ${fmt(writerGets)} concurrent batches`,
        );
    }
    return warnings;
}
