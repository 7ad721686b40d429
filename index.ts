// The Pulumi program: read and validate this stack's `kinesis-fanout:*` config (an invalid value
// stops here, before any resource is registered), build the pipeline, export its outputs.
import { createFanoutProgram } from "./components/fanout-program";
import { readStackSettings } from "./settings/read-stack-config";

const { settings } = readStackSettings();
const outputs = createFanoutProgram(settings);

export const inputBucketName = outputs.inputBucketName;
export const outputBucketName = outputs.outputBucketName;
export const streamName = outputs.streamName;
export const streamArn = outputs.streamArn;
export const deadLetterQueueUrl = outputs.deadLetterQueueUrl;
export const splitterFunctionName = outputs.splitterFunctionName;
export const writerFunctionName = outputs.writerFunctionName;
export const dashboardUrl = outputs.dashboardUrl;
