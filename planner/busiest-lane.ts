/**
 * The records of a file's busiest writer lane. A file drains when its busiest lane does, and the
 * lanes are not even:
 * - Kinesis puts a record on the shard whose hash key range holds the MD5 hash of its partition key
 *   (key-concepts, "Partition key"), and a new stream's shards split the hash key range evenly.
 * - With a ParallelizationFactor above 1, Lambda still processes each partition key's records in
 *   order (with-kinesis), so a key's records go to one of the shard's concurrent batches at a time;
 *   the runtime keeps a key in one lane by its hash (runtime/event-sources/partition-key-lane.ts).
 * So keys fall on lanes like balls into bins: with 4,000 keys on 40 lanes, a lane holds 100 on
 * average and the busiest about 121.
 *
 * Model: each of k distinct keys lands on one of L lanes at random, and each key carries n / k
 * records. The busiest lane is the median of the largest of L Binomial(k, 1 / L) counts, taken as
 * independent: P(largest ≤ m) = P(count ≤ m)^L = 0.5 at the count's 0.5^(1 / L) quantile, from the
 * normal approximation of the binomial with Cornish-Fisher's correction for its skew.
 */
import { probit } from "simple-statistics";

export function busiestLaneRecords(records: number, distinctKeys: number, lanes: number): number {
    if (lanes <= 1 || records === 0) return records;
    const keys = Math.max(1, distinctKeys);
    const p = 1 / lanes;
    const sd = Math.sqrt(keys * p * (1 - p));
    // The normal quantile, corrected for the binomial's right skew (Cornish-Fisher's first term).
    const z = probit(Math.pow(0.5, 1 / lanes));
    const skew = (1 - 2 * p) / sd;
    const busiestKeys = keys * p + (z + ((z * z - 1) * skew) / 6) * sd;
    return Math.min(records, Math.max(records / lanes, (busiestKeys * records) / keys));
}
