import * as fs from "node:fs";
import { Upload } from "@aws-sdk/lib-storage";
import type { Clock } from "../clock";
import { expectedOutput, type ExpectedOutput } from "./expected-output";
import { INTERRUPTED } from "./interrupted";
import type { ProgressSampler } from "./progress-sampler";
import type { RunEnvironment } from "./run-environment";
import type { RunOptions } from "./run-options";
import type { RunStack } from "./run-stack";
import type { RunTriggers } from "./run-triggers";

/** How long each stage of driving the input took, in seconds. */
export interface DriveSeconds {
    upload: number;
    split: number;
    write: number;
    pipeline: number;
}

export interface DrivenInput {
    expected: ExpectedOutput;
    seconds: DriveSeconds;
}

const POLL_MS = 50;

/**
 * The fourth phase of a run: uploads the input (unless a resumed run finds it there), works out
 * the expected output, and waits until the splitter has finished with the file and the stream has
 * drained.
 */
export async function driveInput(
    parts: { env: RunEnvironment; stack: RunStack; triggers: RunTriggers; sampler: ProgressSampler },
    options: RunOptions,
    clock: Clock,
): Promise<DrivenInput> {
    const { stack, triggers, sampler } = parts;
    let begin = clock.now();
    const inputEtag = await uploadInput(parts.env, stack, options.inputFile);
    const upload = (clock.now() - begin) / 1000;

    begin = clock.now();
    // Worked out after the upload: every record's envelope carries the object's ETag, which counts against the 1 MiB record limit.
    const expected = await expectedOutput(options.inputFile, {
        bucket: stack.resources.inputBucket,
        key: stack.inputKey,
        outputKeyTemplate: stack.settings.outputKeyTemplate,
        partitionKey: stack.settings.partitionKey,
        etag: inputEtag,
    });
    sampler.expect(expected.records);
    const wait = (condition: () => boolean) => waitFor(condition, { clock, signal: options.signal, sampler });
    // A resumed run whose splitter had already finished waits for no event.
    const splitPending = stack.inputPlan.upload || stack.inputPlan.redeliverSplit;
    await wait(() => (!splitPending || triggers.s3Source.stats().objectsSeen > 0) && triggers.splitterIdle());
    stack.inputPlan.record({ splitDone: true });
    const split = (clock.now() - begin) / 1000;
    let drained = false;
    void triggers.mapping.drained().then(() => (drained = true));
    await wait(() => drained);
    return { expected, seconds: { upload, split, write: (clock.now() - begin) / 1000, pipeline: sampler.elapsedSeconds() } };
}

/** Uploads the input file as the run plans, and returns the object's ETag. */
async function uploadInput(env: RunEnvironment, stack: RunStack, inputFile: string): Promise<string | undefined> {
    const { inputPlan } = stack;
    if (!inputPlan.upload) return inputPlan.etag;
    const uploaded = await new Upload({
        client: env.clients.s3,
        params: { Bucket: stack.resources.inputBucket, Key: stack.inputKey, Body: fs.createReadStream(inputFile), ContentType: "application/x-ndjson" },
    }).done();
    inputPlan.record({ etag: uploaded.ETag });
    return uploaded.ETag;
}

export function checkAborted(signal?: AbortSignal): void {
    if (signal?.aborted) throw new Error(INTERRUPTED);
}

async function waitFor(condition: () => boolean, context: { clock: Clock; signal?: AbortSignal; sampler: ProgressSampler }): Promise<void> {
    while (!condition()) {
        checkAborted(context.signal);
        context.sampler.sample();
        await context.clock.sleep(POLL_MS);
    }
}
