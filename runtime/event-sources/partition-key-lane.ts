import { createHash } from "node:crypto";

/**
 * Which of a shard's ParallelizationFactor lanes takes a record: one by its partition key's hash, so
 * that one key's records stay in one lane, in order (with-kinesis: with concurrent batches per
 * shard, Lambda still processes each partition key's records in order). AWS does not say how it
 * assigns keys; this is the first 32 bits of the key's MD5, taken modulo the lanes.
 */
export function laneOfPartitionKey(partitionKey: string, lanes: number): number {
    return lanes === 1 ? 0 : createHash("md5").update(partitionKey).digest().readUInt32BE(0) % lanes;
}
