import * as assert from "node:assert/strict";
import { dashboardBody, dashboardUrl } from "../../components/dashboard-body";

const NAMES = {
    region: "ap-northeast-1",
    streamName: "the-stream",
    splitterFunctionName: "the-splitter",
    writerFunctionName: "the-writer",
    deadLetterQueueName: "the-queue",
};

/** Every graphed metric as `namespace metric dimension=value`. */
function graphed(): string[] {
    return dashboardBody(NAMES).widgets.flatMap((widget) =>
        widget.properties.metrics.map(([namespace, metric, dimension, value]) => `${namespace} ${metric} ${dimension}=${value}`),
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
