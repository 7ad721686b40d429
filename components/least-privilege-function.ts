import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { lambdaAssumeRolePolicy, type PolicyDocument } from "./iam-policies";

export interface LeastPrivilegeFunctionArgs<E, R> {
    /**
     * Builds the handler once per execution environment. It is serialized by Pulumi's closure
     * serializer, so it must create its SDK clients itself (see handlers/).
     */
    callbackFactory: aws.lambda.CallbackFactory<E, R>;
    /** Lambda runtime, set explicitly (CallbackFunction's own default is applied with ignoreChanges). */
    runtime: string;
    /** Memory in MB, within Lambda's range (`AWS_LIMITS.lambda.memoryMb`); CPU grows with it. */
    memorySizeMb: number;
    /** Timeout in seconds, within Lambda's range (`AWS_LIMITS.lambda.timeoutSeconds`). */
    timeoutSeconds: number;
    /** Environment variables (4 KB in total at most). */
    environment: Record<string, pulumi.Input<string>>;
    /**
     * Reserved concurrency (`reservedConcurrentExecutions`): the function runs at most this many at
     * once, kept out of the account's shared pool (AWS keeps 100 of the account unreserved). -1 or
     * absent reserves none, which is the provider's default.
     */
    reservedConcurrentExecutions?: number;
    /** Retention of the function's log group in days; one of CloudWatch's allowed values (`AWS_LIMITS.cloudWatch.logRetentionDays`). */
    logRetentionDays: number;
    /**
     * The role's only policy, given the ARN of the function's own log group (granting
     * CreateLogStream/PutLogEvents there is the caller's job, see `ownLogGroupStatement`) and the
     * function's own ARN (for a function that invokes itself). The policy is a RolePolicy created
     * after the function, so naming the function's ARN in it makes no cycle (role -> function ->
     * policy); an inline policy on the Role itself would.
     */
    policy: (logGroupArn: pulumi.Output<string>, functionArn: pulumi.Output<string>) => pulumi.Output<PolicyDocument>;
}

/**
 * A `CallbackFunction` with its own execution role, whose only permissions are one inline policy
 * (no managed policy: no AWSLambdaBasicExecutionRole, none of CallbackFunction's default
 * FullAccess set), and an explicit log group with a retention period.
 *
 * The log group is Lambda's default one, `/aws/lambda/<function name>`, created after the function
 * from its (auto-generated) name; the role gets no logs:CreateLogGroup, so Lambda can never create
 * a group without retention. Setting `loggingConfig.logGroup` instead would need the group's name
 * before the function's, which means either a fixed function name or a dependency cycle.
 *
 * Whatever triggers the function should depend on `rolePolicy`, so that the first invocation
 * already has its permissions.
 */
export class LeastPrivilegeFunction<E, R> extends pulumi.ComponentResource {
    readonly role: aws.iam.Role;
    readonly function: aws.lambda.CallbackFunction<E, R>;
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly rolePolicy: aws.iam.RolePolicy;
    readonly functionName: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;

    constructor(name: string, args: LeastPrivilegeFunctionArgs<E, R>, opts?: pulumi.ComponentResourceOptions) {
        super("kinesis-fanout:compute:LeastPrivilegeFunction", name, {}, opts);
        const parent = { parent: this };

        this.role = new aws.iam.Role(
            `${name}-role`,
            { assumeRolePolicy: JSON.stringify(lambdaAssumeRolePolicy()) },
            parent,
        );
        this.function = new aws.lambda.CallbackFunction<E, R>(
            name,
            {
                callbackFactory: args.callbackFactory,
                role: this.role,
                runtime: args.runtime,
                memorySize: args.memorySizeMb,
                timeout: args.timeoutSeconds,
                environment: { variables: args.environment },
                reservedConcurrentExecutions: args.reservedConcurrentExecutions ?? -1,
            },
            parent,
        );
        this.logGroup = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            {
                name: pulumi.interpolate`/aws/lambda/${this.function.name}`,
                retentionInDays: args.logRetentionDays,
            },
            parent,
        );
        this.rolePolicy = new aws.iam.RolePolicy(
            `${name}-policy`,
            {
                role: this.role.id,
                policy: args.policy(this.logGroup.arn, this.function.arn).apply((document) => JSON.stringify(document)),
            },
            parent,
        );

        this.functionName = this.function.name;
        this.arn = this.function.arn;
        this.registerOutputs({ functionName: this.functionName, arn: this.arn, roleArn: this.role.arn });
    }
}
