import type * as pulumi from "@pulumi/pulumi";
import type { FanoutSettings } from "../settings/parse";
import { FanoutPipeline, pipelineOutputs, type PipelineOutputs } from "./fanout-pipeline";

/** The name of the top-level component; every resource name derives from it. */
export const PIPELINE_NAME = "kinesis-fanout";

/**
 * The whole program for already validated settings: one FanoutPipeline, and the stack outputs.
 * index.ts reads and validates the stack config, then calls this; tests call it directly.
 */
export function createFanoutProgram(settings: FanoutSettings, opts?: pulumi.ComponentResourceOptions): PipelineOutputs {
    const pipeline = new FanoutPipeline(PIPELINE_NAME, { settings }, opts);
    return pipelineOutputs(pipeline);
}
