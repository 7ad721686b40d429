import * as assert from "node:assert/strict";
import { dashboardBody, dashboardUrl, type DashboardNames } from "../../components/dashboard-body";
import { HANDLER_METRIC_NAMES, HANDLER_METRICS, METRIC_SERVICE } from "../../handlers/shared/metric-names";

const NAMES: DashboardNames = {
    region: "ap-northeast-1",
    streamName: "the-stream",
    splitterFunctionName: "the-splitter",
    writerFunctionName: "the-writer",
    deadLetterQueueName: "the-queue",
    pipelineName: "kinesis-fanout-test",
    eventSourceMappingUuid: "the-mapping-uuid",
};

/** Every graphed metric as `namespace metric dimension=value ...`, and every expression as `expression <text>`. */
function graphed(names: DashboardNames = NAMES): string[] {
    return dashboardBody(names).widgets.flatMap((widget) =>
        widget.properties.metrics.map((entry) => {
            if (typeof entry[0] === "object") return `expression ${entry[0].expression}`;
            const [namespace, metric, ...rest] = entry as string[];
            const pairs = rest.filter((item) => typeof item === "string");
            const dimensions = pairs.filter((_, i) => i % 2 === 0).map((name, i) => `${name}=${pairs[2 * i + 1]}`);
            return [namespace, metric, ...dimensions].join(" ");
        }),
    );
}

describe("the dashboard", () => {
    it("graphs incoming records and bytes, iterator age, writer duration, concurrency and throttles", () => {
        const metrics = graphed();
        for (const expected of [
            "AWS/Kinesis IncomingRecords StreamName=the-stream",
            "AWS/Kinesis IncomingBytes StreamName=the-stream",
            "AWS/Kinesis GetRecords.IteratorAgeMilliseconds StreamName=the-stream",
            "AWS/Lambda Duration FunctionName=the-writer",
            "AWS/Lambda ConcurrentExecutions FunctionName=the-writer",
            "AWS/Lambda Throttles FunctionName=the-writer",
            "AWS/Lambda Throttles FunctionName=the-splitter",
        ]) {
            assert.ok(metrics.includes(expected), `missing ${expected}`);
        }
    });

    it("graphs every metric of the handlers' table for each function that publishes it, in this pipeline", () => {
        const metrics = graphed();
        for (const name of HANDLER_METRIC_NAMES) {
            for (const fn of HANDLER_METRICS[name].functions) {
                const expected = `KinesisFanout ${name} Pipeline=kinesis-fanout-test service=${METRIC_SERVICE[fn]}`;
                assert.ok(metrics.includes(expected), `missing ${expected}`);
            }
        }
    });

    it("breaks the lines dead-lettered down by every Reason this pipeline published, with a SEARCH", () => {
        assert.ok(
            graphed().includes(`expression SEARCH('{KinesisFanout,Pipeline,Reason,service} MetricName="LinesDeadLettered" Pipeline="kinesis-fanout-test"', 'Sum', 60)`),
        );
    });

    it("graphs the writer mapping's EventCount metrics by its UUID, and leaves that graph out without one", () => {
        for (const metric of ["PolledEventCount", "InvokedEventCount", "FailedInvokeEventCount", "DroppedEventCount", "OnFailureDestinationDeliveredEventCount"]) {
            assert.ok(graphed().includes(`AWS/Lambda ${metric} EventSourceMappingUUID=the-mapping-uuid`), metric);
        }
        const { eventSourceMappingUuid: _, ...withoutMapping } = NAMES;
        assert.deepEqual(graphed(withoutMapping).filter((metric) => metric.includes("EventSourceMappingUUID")), []);
    });

    it("places every widget in the stack's region on a two-column grid without overlaps", () => {
        const widgets = dashboardBody(NAMES).widgets;
        // Two rectangles overlap when they overlap on both axes, not only when their top-left corners meet.
        const overlaps = (a: (typeof widgets)[number], b: (typeof widgets)[number]) =>
            a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
        for (const [i, a] of widgets.entries()) {
            for (const b of widgets.slice(i + 1)) {
                assert.ok(!overlaps(a, b), `widgets at ${a.x},${a.y} (${a.width}×${a.height}) and ${b.x},${b.y} (${b.width}×${b.height}) overlap`);
            }
        }
        assert.ok(new Set(widgets.map((widget) => widget.x)).size === 2, "two columns");
        for (const widget of widgets) {
            assert.equal(widget.properties.region, "ap-northeast-1");
            assert.ok(widget.x + widget.width <= 24, "CloudWatch dashboards are 24 units wide");
        }
    });

    it("links to the dashboard in the console for its region", () => {
        assert.equal(
            dashboardUrl("eu-west-1", "kinesis-fanout-prod"),
            "https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards:name=kinesis-fanout-prod",
        );
    });
});
