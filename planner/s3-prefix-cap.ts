import { AWS_LIMITS } from "../settings/aws-limits";

/**
 * The writers' PutObject rate S3 allows for a stack's output keys: "at least 3,500
 * PUT/COPY/POST/DELETE ... requests per second per partitioned Amazon S3 prefix" ("Best practices
 * design patterns: optimizing Amazon S3 performance"); above it S3 answers 503 SlowDown. A prefix is
 * the key up to its last `/`. When that part holds no `{field}` (`product_{original_id}.json`,
 * `out/product_{original_id}.json`), every key shares one prefix and the writers are capped at
 * 3,500 PUT/s; when it does (`{original_id}/product.json`), keys spread over as many prefixes as
 * ids, and S3 sets no cap the planner can count on being reached (Infinity).
 */
export function s3PrefixPutCap(outputKeyTemplate: string): number {
    const lastSlash = outputKeyTemplate.lastIndexOf("/");
    const firstField = outputKeyTemplate.indexOf("{");
    const spread = lastSlash >= 0 && firstField >= 0 && firstField < lastSlash;
    return spread ? Number.POSITIVE_INFINITY : AWS_LIMITS.s3.putRequestsPerSecondPerPrefix;
}
