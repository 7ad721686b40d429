import * as assert from "node:assert/strict";
import { createAwsClients, destroyAwsClients, endpointEnvironment, executionRoleCredentials, isLoopback } from "../../runtime/pipeline/aws-clients";

describe("the runtime's AWS clients", () => {
    it("tell the stand-ins on this machine from services elsewhere", () => {
        assert.ok(isLoopback("http://127.0.0.1:4566") && isLoopback("http://localhost:9000") && isLoopback("http://[::1]:80"));
        assert.ok(!isLoopback("https://s3.ap-northeast-1.amazonaws.com") && !isLoopback(undefined));
    });

    it("point the functions at the same services through AWS's standard endpoint variables", () => {
        assert.deepEqual(endpointEnvironment({ s3: "http://127.0.0.1:1", kinesis: "http://127.0.0.1:2" }), {
            AWS_ENDPOINT_URL_S3: "http://127.0.0.1:1",
            AWS_ENDPOINT_URL_KINESIS: "http://127.0.0.1:2",
        });
    });

    it("give the functions no credentials of the caller's against the stand-ins", async () => {
        const endpoints = { s3: "http://127.0.0.1:1", sqs: "http://127.0.0.1:1", kinesis: "http://127.0.0.1:2" };
        const clients = createAwsClients("us-east-1", endpoints);
        assert.deepEqual(await executionRoleCredentials(clients, endpoints), {});
        destroyAwsClients(clients);
    });

    it("give the functions the caller's credentials, as Lambda gives the role's, when a service is elsewhere", async () => {
        const saved = { ...process.env };
        Object.assign(process.env, { AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret", AWS_SESSION_TOKEN: "token" });
        try {
            const endpoints = { s3: "https://s3.ap-northeast-1.amazonaws.com", sqs: "http://127.0.0.1:1", kinesis: "http://127.0.0.1:2" };
            const clients = createAwsClients("ap-northeast-1", endpoints);
            assert.deepEqual(await executionRoleCredentials(clients, endpoints), {
                AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
                AWS_SECRET_ACCESS_KEY: "secret",
                AWS_SESSION_TOKEN: "token",
            });
            destroyAwsClients(clients);
        } finally {
            process.env = saved;
        }
    });
});
