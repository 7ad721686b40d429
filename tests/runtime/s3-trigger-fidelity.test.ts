import * as assert from "node:assert/strict";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { S3Event } from "aws-lambda";
import { notificationFilterValue } from "../../handlers/shared/s3-key-encoding";
import { S3ObjectCreatedSource } from "../../runtime/event-sources/s3-object-created";
import { REGION, createBucket, startHarness, stopHarness, waitUntil, type RuntimeHarness } from "../support/runtime-harness";

/**
 * The S3 trigger as S3 documents it (issue 11): filters are matched against the URL-encoded key,
 * every write is notified (identical bytes too), and the event names the operation.
 */
describe("the S3 trigger matches and notifies as S3 does", function () {
    this.timeout(30_000);
    let harness: RuntimeHarness;
    const sources: S3ObjectCreatedSource[] = [];

    before(async () => {
        harness = await startHarness();
    });
    afterEach(async () => {
        await Promise.all(sources.splice(0).map((source) => source.stop()));
    });
    after(async () => {
        await stopHarness(harness);
    });

    /** A notification on the bucket with these filter values (as saved in the notification), recording its events. */
    function notification(bucket: string, prefix: string, suffix = "") {
        const events: S3Event[] = [];
        const created = new S3ObjectCreatedSource({
            s3: harness.s3,
            bucket,
            prefix,
            suffix,
            region: REGION,
            functionArn: `arn:aws:lambda:${REGION}:000000000000:function:f`,
            pollIntervalMs: 20,
            invoke: async (event, meta) => {
                events.push(event);
                return { requestId: meta.requestId!, ok: true, durationMs: 0, coldStart: false };
            },
        });
        sources.push(created);
        created.start();
        return { source: created, events };
    }

    const put = (bucket: string, key: string, body: string) => harness.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    const keysOf = (events: S3Event[]) => events.flatMap((event) => event.Records.map((record) => record.s3.object.key));

    it("matches a filter against the URL-encoded key: `raw+data/` triggers for `raw data/x`, a raw `raw data/` never does", async () => {
        const bucket = await createBucket(harness);
        const encoded = notification(bucket, notificationFilterValue("raw data/")!, notificationFilterValue("&v2.jsonl")!);
        const raw = notification(bucket, "raw data/", "&v2.jsonl");
        await put(bucket, "raw data/a&v2.jsonl", "{}\n");
        await put(bucket, "raw data/b.jsonl", "{}\n");
        await waitUntil(() => encoded.events.length === 1 && encoded.source.idle() && raw.source.idle(), "the encoded filter's event is delivered");
        assert.deepEqual(keysOf(encoded.events), ["raw+data/a%26v2.jsonl"]);
        assert.deepEqual(raw.events, []);
    });

    it("notifies each write, a re-upload of identical bytes too, and names a multipart upload CompleteMultipartUpload", async () => {
        const bucket = await createBucket(harness);
        const { source, events } = notification(bucket, "");
        await put(bucket, "same.jsonl", "{}\n");
        await waitUntil(() => events.length === 1 && source.idle(), "the first write's event");
        await new Promise((resolve) => setTimeout(resolve, 5));
        await put(bucket, "same.jsonl", "{}\n");
        await waitUntil(() => events.length === 2 && source.idle(), "the identical re-upload's event");
        await new Upload({ client: harness.s3, params: { Bucket: bucket, Key: "big.jsonl", Body: Buffer.alloc(6 * 1024 * 1024, "x") }, partSize: 5 * 1024 * 1024 }).done();
        await waitUntil(() => events.length === 3 && source.idle(), "the multipart upload's event");
        assert.deepEqual(
            events.map((event) => [event.Records[0].s3.object.key, event.Records[0].eventName]),
            [["same.jsonl", "ObjectCreated:Put"], ["same.jsonl", "ObjectCreated:Put"], ["big.jsonl", "ObjectCreated:CompleteMultipartUpload"]],
        );
    });
});
