/**
 * The records of a file's busiest writer lane. A file drains when its busiest lane does, and the
 * lanes are not even:
 * - Kinesis puts a record on the shard whose hash key range holds the MD5 hash of its partition key
 *   (key-concepts, "Partition key"), and a new stream's shards split the hash key range evenly.
 * - With a ParallelizationFactor above 1, Lambda still processes each partition key's records in
 *   order (with-kinesis), so a key's records go to one of the shard's concurrent batches at a time;
 *   the runtime keeps a key in one lane by its hash (runtime/event-sources/partition-key-lane.ts).
 * So keys fall on lanes like balls into bins: with 4,000 keys on 40 lanes, a lane holds 100 on
 * average and the busiest about 121; 10 keys on 40 lanes leave the busiest lane 2 keys, not 10 / 40.
 *
 * Model: each of k distinct keys lands on one of the L lanes (shards × ParallelizationFactor) at
 * random, and each key carries n / k records. The busiest lane is the median of the largest of L
 * Binomial(k, 1 / L) counts, taken as independent: the smallest m with P(count ≤ m)^L ≥ 0.5. The
 * binomial's table comes from simple-statistics; where it would pass a million cells, the normal
 * quantile with Cornish-Fisher's correction for the binomial's skew stands in for it.
 */
import { binomialDistribution, probit } from "simple-statistics";

export function busiestLaneRecords(records: number, distinctKeys: number, lanes: number): number {
    if (lanes <= 1 || records === 0) return records;
    const keys = Math.max(1, distinctKeys);
    const perKey = records / keys;
    // At least one key's records, and at least the mean lane's.
    return Math.min(records, Math.max(records / lanes, perKey, busiestLaneKeys(keys, lanes) * perKey));
}

/** The median of the largest of `lanes` Binomial(keys, 1 / lanes) counts. */
function busiestLaneKeys(keys: number, lanes: number): number {
    const p = 1 / lanes;
    const target = Math.pow(0.5, 1 / lanes);
    const table = binomialDistribution(keys, p);
    if (table) {
        let cumulative = 0;
        for (let m = 0; m < table.length; m++) {
            cumulative += table[m];
            if (cumulative >= target) return m;
        }
        // The table stops where the rest is under 0.0001: the median of the largest lies at its end.
        return table.length - 1;
    }
    const sd = Math.sqrt(keys * p * (1 - p));
    const z = probit(target);
    const skew = (1 - 2 * p) / sd;
    return keys * p + (z + ((z * z - 1) * skew) / 6) * sd;
}
