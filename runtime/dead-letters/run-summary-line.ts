import type { RunReport } from "../pipeline/run-report";

/**
 * The summary line of `npm start` that says what is waiting in the dead letters and where: the
 * batches the mapping gave up on (kept whole in the failure bucket, or as ranges on the queue)
 * and the poison lines, with the command that acts on them.
 */
export function failedWorkLine(report: Pick<RunReport, "output" | "resources" | "restart">): string | undefined {
    const batches = report.output.failedBatches ?? 0;
    const poison = Object.entries(report.output.deadLetterReasons)
        .filter(([reason]) => !reason.startsWith("batch-"))
        .reduce((sum, [, count]) => sum + count, 0);
    if (batches === 0 && poison === 0) return undefined;
    const where = report.resources.failureBucketInUse ? `in s3://${report.resources.failureBucketInUse}` : "on the dead-letter queue (ranges only)";
    const state = report.restart?.stateDir ? ` --state ${report.restart.stateDir}` : "";
    return `  to redrive   ${batches} failed batch(es) ${where}, ${poison} poison line(s) on the dead-letter queue: npm run dead-letters -- list${state}`;
}
