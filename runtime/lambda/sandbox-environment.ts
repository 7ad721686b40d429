import * as path from "node:path";

/**
 * The environment of one sandbox process: the function's own variables plus the ones Lambda sets
 * itself, and nothing else of the runtime's environment (no stray credentials, no NODE_OPTIONS).
 */

/** Variables Lambda sets and a function may not (CreateFunction rejects them). */
export const LAMBDA_RESERVED_VARIABLES = [
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
] as const;

/** Credentials a caller may pass locally (Lambda would take them from the execution role). */
const DUMMY_CREDENTIALS = { AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local" };

/** The repository's node_modules, where the serialized module's `require("<package>")` calls resolve. */
export const REPO_NODE_MODULES = path.resolve(__dirname, "..", "..", "node_modules");

export interface SandboxEnvironmentInput {
    functionName: string;
    environment: Record<string, string>;
    memoryMb: number;
    region: string;
    runtime: string;
    codeDir: string;
    logGroupName: string;
    logStreamName: string;
    exportName: string;
}

/** Throws when the function's variables use a name Lambda reserves; the message names it. */
export function checkFunctionEnvironment(functionName: string, environment: Record<string, string>): void {
    for (const name of Object.keys(environment)) {
        if ((LAMBDA_RESERVED_VARIABLES as readonly string[]).includes(name)) {
            throw new Error(
                `function ${functionName}: environment variable ${name} is reserved by Lambda; reserved names are ${LAMBDA_RESERVED_VARIABLES.join(", ")}`,
            );
        }
        if (typeof environment[name] !== "string") {
            throw new Error(`function ${functionName}: environment variable ${name} must be a string (got ${typeof environment[name]})`);
        }
    }
}

export function sandboxEnvironment(input: SandboxEnvironmentInput): Record<string, string> {
    checkFunctionEnvironment(input.functionName, input.environment);
    return {
        PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
        NODE_PATH: REPO_NODE_MODULES,
        LANG: "en_US.UTF-8",
        TZ: ":UTC",
        ...DUMMY_CREDENTIALS,
        ...input.environment,
        _HANDLER: `index.${input.exportName}`,
        AWS_REGION: input.region,
        AWS_DEFAULT_REGION: input.region,
        AWS_EXECUTION_ENV: `AWS_Lambda_${input.runtime}`,
        AWS_LAMBDA_FUNCTION_NAME: input.functionName,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(input.memoryMb),
        AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
        AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
        AWS_LAMBDA_LOG_GROUP_NAME: input.logGroupName,
        AWS_LAMBDA_LOG_STREAM_NAME: input.logStreamName,
        LAMBDA_TASK_ROOT: input.codeDir,
    };
}
