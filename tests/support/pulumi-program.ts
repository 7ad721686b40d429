import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { createFanoutProgram } from "../../components/fanout-program";
import type { FanoutSettings } from "../../settings/parse";
import { installMocks, MOCK_ACCOUNT_ID, promiseOf, recorded, settle, type RecordedResource } from "./pulumi-mocks";

export const REPO_ROOT = path.resolve(__dirname, "../..");

export const OUTPUT_NAMES = [
    "inputBucketName",
    "outputBucketName",
    "streamName",
    "streamArn",
    "deadLetterQueueUrl",
    "splitterFunctionName",
    "writerFunctionName",
    "dashboardUrl",
] as const;
export type ResolvedOutputs = Record<(typeof OUTPUT_NAMES)[number], string>;

/** What a resource was created with, seen through a transformation on the top-level component. */
export interface CreatedResource {
    type: string;
    name: string;
    resource: pulumi.Resource;
    opts: pulumi.ResourceOptions;
}

export interface BuiltProgram {
    outputs: ResolvedOutputs;
    /** Every resource registered with the mocks, in registration order. */
    resources: RecordedResource[];
    /** The pipeline and every resource below it, in creation order, with its resource options (dependsOn, parent). */
    created: CreatedResource[];
}

/**
 * Runs `createFanoutProgram(settings)` under fresh mocks and waits until every resource is
 * registered and every stack output resolved.
 */
export async function buildProgram(settings: FanoutSettings, config: Record<string, string> = {}, stack?: string): Promise<BuiltProgram> {
    await installMocks(config, stack);
    const created: CreatedResource[] = [];
    const outputs = createFanoutProgram(settings, {
        transformations: [
            ({ type, name, resource, opts }) => {
                created.push({ type, name, resource, opts });
                return undefined;
            },
        ],
    });
    const resolved = await resolveOutputs(outputs);
    await settle();
    return { outputs: resolved, resources: [...recorded], created };
}

/**
 * Loads index.ts itself, fresh (its modules and everything under components/, settings/ and
 * handlers/ are dropped from the require cache first), under mocks with this config. Rejects
 * with the program's own error when it throws at load.
 */
export async function loadIndexProgram(config: Record<string, string>): Promise<{ outputs: ResolvedOutputs; resources: RecordedResource[] }> {
    await installMocks(config);
    const fresh = ["index.ts", "components", "settings", "handlers"].map((entry) => path.join(REPO_ROOT, entry));
    for (const file of Object.keys(require.cache)) {
        if (fresh.some((prefix) => file === prefix || file.startsWith(prefix + path.sep))) delete require.cache[file];
    }
    const program = require(path.join(REPO_ROOT, "index.ts")) as Record<string, pulumi.Output<string>>;
    const resolved = await resolveOutputs(program);
    await settle();
    return { outputs: resolved, resources: [...recorded] };
}

async function resolveOutputs(outputs: Record<string, pulumi.Output<string>>): Promise<ResolvedOutputs> {
    const entries = await Promise.all(OUTPUT_NAMES.map(async (name) => [name, await promiseOf(outputs[name])] as const));
    return Object.fromEntries(entries) as ResolvedOutputs;
}

/** The one resource of this type (and name) the program registered; fails naming what was asked. */
export function resourceOf(built: BuiltProgram, type: string, name?: string): RecordedResource {
    const matches = resourcesOf(built, type).filter((resource) => name === undefined || resource.name === name);
    if (matches.length !== 1) throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${matches.length}`);
    return matches[0];
}

export function resourcesOf(built: BuiltProgram, type: string): RecordedResource[] {
    return built.resources.filter((resource) => resource.type === type);
}

/** The `dependsOn` of a created resource, as `<type> <name>` of the resources it names. */
export function dependsOnOf(built: BuiltProgram, type: string, name: string): string[] {
    const created = built.created.find((entry) => entry.type === type && entry.name === name);
    if (!created) throw new Error(`no ${type} named ${name} was created`);
    const dependsOn = created.opts.dependsOn;
    const list = dependsOn === undefined ? [] : Array.isArray(dependsOn) ? dependsOn : [dependsOn];
    return list.map((resource) => {
        const entry = built.created.find((candidate) => candidate.resource === resource);
        if (!entry) throw new Error(`${type} ${name} depends on a resource outside the pipeline`);
        return `${entry.type} ${entry.name}`;
    });
}

/** The ARNs the mocks give this program's resources (see tests/support/pulumi-mocks.ts). */
export function mockArns(built: BuiltProgram, region: string) {
    const regional = (service: string, resource: string) => `arn:aws:${service}:${region}:${MOCK_ACCOUNT_ID}:${resource}`;
    return {
        inputBucket: `arn:aws:s3:::${built.outputs.inputBucketName}`,
        outputBucket: `arn:aws:s3:::${built.outputs.outputBucketName}`,
        stream: built.outputs.streamArn,
        queue: regional("sqs", built.outputs.deadLetterQueueUrl.split("/").pop()!),
        splitterFunction: regional("lambda", `function:${built.outputs.splitterFunctionName}`),
        writerFunction: regional("lambda", `function:${built.outputs.writerFunctionName}`),
        splitterLogs: regional("logs", `log-group:/aws/lambda/${built.outputs.splitterFunctionName}`),
        writerLogs: regional("logs", `log-group:/aws/lambda/${built.outputs.writerFunctionName}`),
    };
}
