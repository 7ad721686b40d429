import * as assert from "node:assert/strict";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { metricsOf } from "../../handlers/shared/metric-names";
import { createHandlerMetrics, createMetricTally, publishTally, type MetricTally } from "../../handlers/shared/metrics";
import { createEmfCollector, emfData } from "../../runtime/lambda/emf-metrics";
import { silentLogger } from "../handlers/fakes";
import { captureStdout } from "../support/capture-stdout";

const ENV = { PIPELINE_NAME: "kinesis-fanout-test" };

/** The lines one invocation's publish prints, from the real Powertools Metrics class. */
async function published(fn: "splitter" | "writer", fill: (tally: MetricTally) => void): Promise<string[]> {
    const tally = createMetricTally();
    fill(tally);
    const metrics = createHandlerMetrics(fn, ENV, silentLogger());
    return (await captureStdout(() => publishTally(metrics, fn, tally, silentLogger()))).lines;
}

const writerInvocation = (tally: MetricTally) => {
    tally.add("ObjectsWritten", 5);
    tally.add("RecordsFailed");
    tally.deadLettered("invalid-json");
    tally.deadLettered("unsafe-id");
    tally.deadLettered("unsafe-id");
};

describe("the handlers' metrics as EMF documents, and the runtime's reading of them", () => {
    it("prints one document with every metric of the function, zeros included, under KinesisFanout with service and Pipeline", async () => {
        const lines = await published("splitter", () => undefined);
        assert.equal(lines.length, 1, lines.join("\n"));
        const document = JSON.parse(lines[0]);
        assert.deepEqual(document._aws.CloudWatchMetrics, [
            { Namespace: "KinesisFanout", Dimensions: [["service", "Pipeline"]], Metrics: metricsOf("splitter").map((Name) => ({ Name, Unit: "Count" })) },
        ]);
        assert.deepEqual([document.service, document.Pipeline], ["kinesis-fanout-splitter", "kinesis-fanout-test"]);
        for (const metric of metricsOf("splitter")) assert.equal(document[metric], 0, metric);
    });

    it("adds one document per dead-letter reason, with Reason as a third dimension", async () => {
        const lines = await published("writer", writerInvocation);
        const reasonDocuments = lines.map((line) => JSON.parse(line)).filter((document) => document.Reason !== undefined);
        assert.deepEqual(
            reasonDocuments.map((document) => [document._aws.CloudWatchMetrics[0].Dimensions, document.Reason, document.LinesDeadLettered]),
            [
                [[["service", "Pipeline", "Reason"]], "invalid-json", 1],
                [[["service", "Pipeline", "Reason"]], "unsafe-id", 2],
            ],
        );
    });

    it("sums a run's documents back into each function's counts and the dead letters by reason", async () => {
        const collector = createEmfCollector();
        for (const line of [...(await published("writer", writerInvocation)), ...(await published("writer", (tally) => tally.add("ObjectsWritten", 3)))]) {
            collector.write("2025/01/01/[$LATEST]writer-1", `${line}\n`);
        }
        for (const line of await published("splitter", (tally) => tally.add("LinesSplit", 9))) collector.write("2025/01/01/[$LATEST]splitter-1", `${line}\n`);

        assert.deepEqual(collector.totals(), {
            documents: 5,
            byFunction: {
                splitter: { LinesSplit: 9, RecordsPut: 0, RecordsRetried: 0, HandOffs: 0, ChainsCapped: 0, LinesDeadLettered: 0 },
                writer: { ObjectsWritten: 8, RecordsFailed: 1, LinesDeadLettered: 3 },
            },
            byReason: { LinesDeadLettered: { "invalid-json": 1, "unsafe-id": 2 } },
        });
    });

    it("joins a document split across chunks, keeps log streams apart and skips lines that are not EMF", async () => {
        const [document] = await published("writer", (tally) => tally.add("ObjectsWritten", 4));
        const collector = createEmfCollector();
        const half = Math.floor(document.length / 2);
        collector.write("a", `2025-01-01T00:00:00.000Z\tid\tINFO\tprocessed {"_aws": 1}\n${document.slice(0, half)}`);
        collector.write("b", `{"level":"INFO","message":"batch written","service":"kinesis-fanout-writer"}\n${document.slice(0, 10)}`);
        collector.write("a", `${document.slice(half)}\n`);

        assert.equal(collector.totals().documents, 1);
        assert.equal(collector.totals().byFunction.writer.ObjectsWritten, 4);
    });

    it("sums a value Powertools prints as an array (a metric added twice in one document)", async () => {
        const metrics = new Metrics({ namespace: "KinesisFanout", serviceName: "kinesis-fanout-writer", logger: silentLogger() });
        const { lines } = await captureStdout(() => metrics.addMetric("ObjectsWritten", MetricUnit.Count, 2).addMetric("ObjectsWritten", MetricUnit.Count, 3).publishStoredMetrics());
        assert.deepEqual(JSON.parse(lines[0]).ObjectsWritten, [2, 3], "the real class printed an array");
        assert.deepEqual(emfData(lines[0]), [{ namespace: "KinesisFanout", metric: "ObjectsWritten", dimensions: { service: "kinesis-fanout-writer" }, value: 5 }]);
    });

    it("counts a metric once per dimension set of its document, as CloudWatch does, and ignores other namespaces", async () => {
        const metrics = new Metrics({ namespace: "KinesisFanout", serviceName: "kinesis-fanout-splitter", logger: silentLogger() });
        const other = new Metrics({ namespace: "SomeoneElse", serviceName: "kinesis-fanout-splitter", logger: silentLogger() });
        const { lines } = await captureStdout(() => {
            metrics.addDimensions({ Reason: "line-too-large" }).addDimensions({}).addMetric("LinesDeadLettered", MetricUnit.Count, 2).publishStoredMetrics();
            other.addMetric("LinesSplit", MetricUnit.Count, 7).publishStoredMetrics();
        });
        const collector = createEmfCollector();
        for (const line of lines) collector.write("s", `${line}\n`);
        assert.deepEqual(collector.totals(), {
            documents: 1,
            byFunction: { splitter: { LinesDeadLettered: 2 }, writer: {} },
            byReason: { LinesDeadLettered: { "line-too-large": 2 } },
        });
    });
});
