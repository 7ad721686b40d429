import * as path from "node:path";
import type { FanoutSettings } from "../../settings/parse";
import { planInput, type InputPlan } from "../restart/resume-plan";
import { provisionResources, type ProvisionedResources } from "./provision";
import type { RunEnvironment } from "./run-environment";
import type { RunOptions } from "./run-options";

/** The stack's resources on the services, and where its input goes. */
export interface RunStack {
    settings: FanoutSettings;
    resources: ProvisionedResources;
    /** The input's key in the input bucket, with the stack's prefix and suffix. */
    inputKey: string;
    /** With --state, an earlier run's manifest says whether the input is already there and split. */
    inputPlan: InputPlan;
    functionArn(functionName: string): string;
}

export async function provisionStack(env: RunEnvironment, options: RunOptions): Promise<RunStack> {
    const { settings } = options;
    const resources = await provisionResources(env.clients, options.stack, settings, options.resourcePrefix);
    const inputKey = inputKeyFor(settings, options.inputName);
    const inputPlan = await planInput(env.clients.s3, options.restart?.stateDir, { bucket: resources.inputBucket, key: inputKey, file: options.inputFile });
    return {
        settings,
        resources,
        inputKey,
        inputPlan,
        functionArn: (functionName) => `arn:aws:lambda:${options.region}:000000000000:function:${functionName}`,
    };
}

function inputKeyFor(settings: FanoutSettings, name: string): string {
    const base = path.basename(name);
    return `${settings.inputPrefix}${base}${base.endsWith(settings.inputSuffix) ? "" : settings.inputSuffix}`;
}
