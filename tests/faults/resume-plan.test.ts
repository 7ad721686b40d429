import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { HeadObjectCommand, NotFound, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { planInput } from "../../runtime/restart/resume-plan";
import { readRunManifest } from "../../runtime/restart/run-manifest";
import { tempDir } from "../support/temp-dir";

/** How a run on a --state folder decides between a fresh start and resuming the run before it. */
describe("the input plan of a --state run", () => {
    // Only this client is mocked; the other tests in the same mocha process use real ones.
    const s3 = new S3Client({ region: "us-east-1" });
    const s3Mock = mockClient(s3);
    let stateDir: string;
    let file: string;
    const input = () => ({ bucket: "in", key: "products.jsonl", file });

    after(() => s3Mock.restore());

    beforeEach(() => {
        s3Mock.reset();
        const dir = tempDir("resume-plan-");
        stateDir = path.join(dir, "state");
        file = path.join(dir, "products.jsonl");
        fs.writeFileSync(file, '{"original_id":"A"}\n');
    });

    it("uploads on a fresh folder, and writes the manifest after the upload and when the split is done", async () => {
        s3Mock.on(HeadObjectCommand).rejects(new NotFound({ message: "not found", $metadata: {} }));

        const plan = await planInput(s3, stateDir, input());
        plan.record({ etag: '"e1"' });
        const afterUpload = readRunManifest(stateDir);
        plan.record({ splitDone: true });

        assert.equal(plan.upload, true);
        assert.equal(plan.redeliverSplit, false);
        assert.equal(afterUpload?.splitDone, false);
        assert.deepEqual({ ...readRunManifest(stateDir), updatedAt: undefined }, {
            version: 1, inputBucket: "in", inputKey: "products.jsonl", inputEtag: '"e1"', inputSha256: plan.sha256, splitDone: true, updatedAt: undefined,
        });
    });

    it("skips the upload when the bucket holds the manifest's key with its ETag, and redelivers an unfinished split", async () => {
        s3Mock.on(HeadObjectCommand).resolves({ ETag: '"e1"' });
        (await planInput(s3, stateDir, input())).record({ etag: "e1" });

        const plan = await planInput(s3, stateDir, input());

        assert.equal(plan.upload, false);
        assert.equal(plan.redeliverSplit, true);
        assert.equal(plan.etag, '"e1"');
    });

    it("does not redeliver a split the earlier run finished", async () => {
        s3Mock.on(HeadObjectCommand).resolves({ ETag: '"e1"' });
        const earlier = await planInput(s3, stateDir, input());
        earlier.record({ etag: '"e1"' });
        earlier.record({ splitDone: true });

        const plan = await planInput(s3, stateDir, input());

        assert.deepEqual([plan.upload, plan.redeliverSplit], [false, false]);
    });

    it("uploads again when the object's ETag or the local file changed", async () => {
        s3Mock.on(HeadObjectCommand).resolves({ ETag: '"e1"' });
        (await planInput(s3, stateDir, input())).record({ etag: '"e1"' });

        s3Mock.on(HeadObjectCommand).resolves({ ETag: '"e2"' });
        const replacedObject = await planInput(s3, stateDir, input());
        s3Mock.on(HeadObjectCommand).resolves({ ETag: '"e1"' });
        fs.appendFileSync(file, '{"original_id":"B"}\n');
        const changedFile = await planInput(s3, stateDir, input());

        assert.equal(replacedObject.upload, true);
        assert.equal(changedFile.upload, true);
        assert.equal(changedFile.redeliverSplit, true, "the object is there already, so an upload of the same ETag would raise no new event");
    });
});
