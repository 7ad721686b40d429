import * as pulumi from "@pulumi/pulumi";

/**
 * One shared set of Pulumi mocks for the infrastructure tests. Every `newResource` is recorded
 * (type, name, inputs) into `recorded`, which `installMocks` empties, once per program load.
 * `call` answers the two data sources the program uses and throws on any other token, so a new
 * invoke can't slip in unnoticed.
 */

export const MOCK_ACCOUNT_ID = "123456789012";
export const PROJECT = "kinesis-fanout";

export interface RecordedResource {
    type: string;
    name: string;
    /** The resolved inputs, as the provider would receive them. */
    inputs: Record<string, any>;
    /** False for component resources. */
    custom: boolean;
}

export const recorded: RecordedResource[] = [];
let region = "us-east-1";

/** A physical name and ARN for each AWS type the program creates, shaped like AWS's. */
function mockState(type: string, name: string, inputs: Record<string, any>): { id: string; state: Record<string, any> } {
    const physical: string = inputs.name ?? `${name}-mock`;
    const regional = (service: string, resource: string) => `arn:aws:${service}:${region}:${MOCK_ACCOUNT_ID}:${resource}`;
    switch (type) {
        case "aws:s3/bucket:Bucket": {
            const bucket: string = inputs.bucket ?? `${name}-mock`;
            return { id: bucket, state: { ...inputs, bucket, arn: `arn:aws:s3:::${bucket}` } };
        }
        case "aws:kinesis/stream:Stream":
            return { id: regional("kinesis", `stream/${physical}`), state: { ...inputs, name: physical, arn: regional("kinesis", `stream/${physical}`) } };
        case "aws:sqs/queue:Queue": {
            const url = `https://sqs.${region}.amazonaws.com/${MOCK_ACCOUNT_ID}/${physical}`;
            return { id: url, state: { ...inputs, name: physical, url, arn: regional("sqs", physical) } };
        }
        case "aws:lambda/function:Function":
            return { id: physical, state: { ...inputs, name: physical, arn: regional("lambda", `function:${physical}`) } };
        case "aws:cloudwatch/logGroup:LogGroup":
            return { id: physical, state: { ...inputs, arn: regional("logs", `log-group:${physical}`) } };
        case "aws:lambda/eventSourceMapping:EventSourceMapping":
            return { id: `${name}-uuid`, state: { ...inputs, uuid: `${name}-uuid` } };
        case "aws:iam/role:Role":
            return { id: physical, state: { ...inputs, name: physical, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${physical}` } };
        default:
            return { id: `${name}-id`, state: { ...inputs } };
    }
}

const mocks: pulumi.runtime.Mocks = {
    newResource(args: pulumi.runtime.MockResourceArgs) {
        recorded.push({ type: args.type, name: args.name, inputs: args.inputs, custom: args.custom ?? true });
        return mockState(args.type, args.name, args.inputs);
    },
    call(args: pulumi.runtime.MockCallArgs) {
        switch (args.token) {
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return {
                    accountId: MOCK_ACCOUNT_ID,
                    arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/test`,
                    id: MOCK_ACCOUNT_ID,
                    userId: "AIDATEST",
                };
            case "aws:index/getRegion:getRegion":
                return { id: region, name: region, region, description: region, endpoint: `ec2.${region}.amazonaws.com` };
            default:
                throw new Error(`unexpected invoke ${args.token}: add it to tests/support/pulumi-mocks.ts if the program really needs it`);
        }
    },
};

/**
 * Installs the mocks for a fresh program load: empties `recorded`, sets the stack name and the
 * whole config (keys as `<namespace>:<key>`, values as strings, like `pulumi config`). The mocked
 * region is `aws:region` when given.
 */
export async function installMocks(config: Record<string, string> = {}, stack = "test"): Promise<void> {
    recorded.length = 0;
    region = config["aws:region"] ?? "us-east-1";
    await pulumi.runtime.setMocks(mocks, PROJECT, stack, false);
    pulumi.runtime.setAllConfig(config);
}

/** Waits until every resource created so far has been registered with the mocks. */
export async function settle(): Promise<void> {
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
}

/** The value of an Output, awaited. */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
        try {
            output.apply((value) => {
                resolve(value);
                return value;
            });
        } catch (error) {
            reject(error);
        }
    });
}

/** Every recorded resource of this type. */
export function findResources(type: string): RecordedResource[] {
    return recorded.filter((resource) => resource.type === type);
}

/**
 * The one recorded resource of this type (and name, when given). Throws, listing what was
 * recorded, when there is none or more than one.
 */
export function findResource(type: string, name?: string): RecordedResource {
    const matches = findResources(type).filter((resource) => name === undefined || resource.name === name);
    if (matches.length !== 1) {
        const all = recorded.map((resource) => `${resource.type} ${resource.name}`).join("\n  ");
        throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${matches.length}; recorded:\n  ${all}`);
    }
    return matches[0];
}
