import * as assert from "node:assert/strict";
import { readStackFile } from "../../runtime/stack/read-stack-file";
import { buildProgram, REPO_ROOT, resourcesOf, type BuiltProgram } from "../support/pulumi-program";

/**
 * Who can touch the data, read from every IAM policy the program creates, for each shipped stack.
 * Rather than compare policies with an expected text (tests/infra does that), this evaluates
 * what each role's statements allow, wildcards included, so a future `s3:*`, `s3:Put*` or
 * `Resource: "*"` anywhere is caught, whichever statement it hides in.
 */

interface Statement {
    Effect: "Allow" | "Deny";
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    NotResource?: string | string[];
    Principal?: unknown;
}

const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** IAM's wildcard match: `*` any run of characters, `?` one; `${*}`, `${?}` and `${$}` stand for themselves. */
function iamMatches(pattern: string, value: string, ignoreCase = false): boolean {
    const parts = pattern.split(/(\$\{[*?$]\}|\*|\?)/).map((part) => {
        if (part === "*") return ".*";
        if (part === "?") return ".";
        if (/^\$\{[*?$]\}$/.test(part)) return "\\" + part[2];
        return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    });
    return new RegExp(`^${parts.join("")}$`, ignoreCase ? "i" : "").test(value);
}

/** S3 actions that change what a bucket holds, or who may read it. */
const S3_WRITES = ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectAcl", "s3:PutObjectTagging", "s3:RestoreObject", "s3:AbortMultipartUpload", "s3:PutBucketPolicy", "s3:PutBucketAcl", "s3:DeleteBucket", "s3:PutLifecycleConfiguration", "s3:ReplicateObject"];
/** S3 actions that read objects or list them. */
const S3_READS = ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAttributes", "s3:ListBucket", "s3:ListBucketVersions", "s3:GetObjectAcl", "s3:SelectObjectContent"];

function rolePolicies(built: BuiltProgram): Map<string, Statement[]> {
    const byRole = new Map<string, Statement[]>();
    for (const role of resourcesOf(built, "aws:iam/role:Role")) {
        assert.equal(role.inputs.inlinePolicies, undefined, `${role.name} has inline policies outside RolePolicy`);
        byRole.set(role.inputs.name ?? `${role.name}-mock`, []);
    }
    for (const policy of resourcesOf(built, "aws:iam/rolePolicy:RolePolicy")) {
        const statements = (JSON.parse(policy.inputs.policy).Statement as Statement[]) ?? [];
        byRole.set(policy.inputs.role, [...(byRole.get(policy.inputs.role) ?? []), ...statements]);
    }
    return byRole;
}

/** The actions of `actions` that the statements allow on `resource`. */
function allowed(statements: Statement[], actions: string[], resource: string): string[] {
    return actions.filter((action) =>
        statements.some(
            (statement) =>
                statement.Effect === "Allow" &&
                list(statement.Action).some((pattern) => iamMatches(pattern, action, true)) &&
                list(statement.Resource).some((pattern) => iamMatches(pattern, resource)),
        ),
    );
}

for (const stackName of ["dev", "prod"]) {
    describe(`who can touch the data in the ${stackName} stack`, () => {
        let built: BuiltProgram;
        let roles: Map<string, Statement[]>;
        let input: string;
        let output: string;

        before(async () => {
            const stack = readStackFile(REPO_ROOT, stackName);
            built = await buildProgram(stack.settings, { "aws:region": stack.region });
            roles = rolePolicies(built);
            input = `arn:aws:s3:::${built.outputs.inputBucketName}`;
            output = `arn:aws:s3:::${built.outputs.outputBucketName}`;
        });

        const roleNamed = (part: string) => {
            const matches = [...roles.keys()].filter((name) => name.includes(part));
            assert.equal(matches.length, 1, `one ${part} role among ${[...roles.keys()].join(", ")}`);
            return roles.get(matches[0])!;
        };

        it("uses only Allow statements with Action and Resource, never NotAction or NotResource", () => {
            for (const [role, statements] of roles) {
                for (const statement of statements) {
                    assert.equal(statement.Effect, "Allow", role);
                    assert.equal(statement.NotAction, undefined, role);
                    assert.equal(statement.NotResource, undefined, role);
                    assert.ok(list(statement.Action).length > 0 && list(statement.Resource).length > 0, role);
                }
            }
        });

        it("lets no role write to, delete from or re-permission the input bucket", () => {
            assert.ok(roles.size >= 2);
            for (const [role, statements] of roles) {
                for (const resource of [input, `${input}/incoming/products.jsonl`]) {
                    assert.deepEqual(allowed(statements, S3_WRITES, resource), [], `${role} on ${resource}`);
                }
            }
        });

        it("lets no role read or list the output bucket", () => {
            for (const [role, statements] of roles) {
                for (const resource of [output, `${output}/product_1.json`]) {
                    assert.deepEqual(allowed(statements, S3_READS, resource), [], `${role} on ${resource}`);
                }
            }
        });

        it("lets the splitter only read input objects, and the writer only put output objects", () => {
            const splitter = roleNamed("splitter");
            const writer = roleNamed("writer");
            const object = (bucket: string) => `${bucket}/product_1.json`;
            assert.deepEqual(allowed(splitter, [...S3_READS, ...S3_WRITES], object(input)), ["s3:GetObject"]);
            assert.deepEqual(allowed(splitter, [...S3_READS, ...S3_WRITES], object(output)), []);
            assert.deepEqual(allowed(writer, [...S3_READS, ...S3_WRITES], object(output)), ["s3:PutObject"]);
            assert.deepEqual(allowed(writer, [...S3_READS, ...S3_WRITES], object(input)), []);
        });

        it("lets only Lambda assume the function roles, and only S3 of this account and input bucket invoke the splitter", () => {
            for (const role of resourcesOf(built, "aws:iam/role:Role")) {
                const statements = JSON.parse(role.inputs.assumeRolePolicy).Statement as Statement[];
                assert.deepEqual(statements.map((statement) => statement.Principal), [{ Service: "lambda.amazonaws.com" }], role.name);
            }
            const fromS3 = resourcesOf(built, "aws:lambda/permission:Permission").filter((permission) => permission.inputs.principal === "s3.amazonaws.com");
            assert.equal(fromS3.length, 1, "exactly one permission lets S3 invoke a function");
            assert.equal(fromS3[0].inputs.sourceArn, input);
            assert.match(fromS3[0].inputs.sourceAccount, /^\d{12}$/);
        });

        it("grants nothing to anyone in a bucket policy: bucket policies only deny", () => {
            const policies = resourcesOf(built, "aws:s3/bucketPolicy:BucketPolicy");
            assert.ok(policies.length >= 2);
            for (const policy of policies) {
                for (const statement of JSON.parse(policy.inputs.policy).Statement as Statement[]) assert.equal(statement.Effect, "Deny", policy.name);
            }
        });
    });
}
