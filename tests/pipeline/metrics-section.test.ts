import * as assert from "node:assert/strict";
import type { HandlerMetricTotals } from "../../runtime/lambda/emf-metrics";
import { formatMetricsLines, metricsSection, repeatedWorkOf } from "../../runtime/pipeline/metrics-section";

/** What a clean 100-line run's EMF documents add up to, with 2 lines dead-lettered. */
function totals(overrides: { objectsWritten?: number; byReason?: Record<string, number> } = {}): HandlerMetricTotals {
    return {
        documents: 4,
        byFunction: {
            splitter: { LinesSplit: 100, RecordsPut: 100, RecordsRetried: 0, HandOffs: 0, ChainsCapped: 0, LinesDeadLettered: 0 },
            writer: { ObjectsWritten: overrides.objectsWritten ?? 98, RecordsFailed: 0, LinesDeadLettered: 2 },
        },
        byReason: { LinesDeadLettered: overrides.byReason ?? { "invalid-json": 2 } },
    };
}
const own = { inputLines: 100, objectsVerified: 98, deadLettersVerified: { "invalid-json": 2 } };
const quietRun = { functionErrors: { splitter: 0, writer: 0 }, mapping: { retries: 0, bisections: 0 }, output: { superseded: 0 } };

describe("the run report's metrics section", () => {
    it("agrees when every published count equals the run's own, and says so", () => {
        const section = metricsSection(totals(), own, []);
        assert.equal(section.agree, true);
        assert.match(formatMetricsLines(section).join("\n"), /cross-check {2}the metrics agree with the run's own counts: LinesSplit 100 = 100 input lines, ObjectsWritten 98 = 98 objects verified, LinesDeadLettered 2 = 2 dead letters verified$/);
    });

    it("says plainly that the metrics disagree, and that nothing the run repeated explains it", () => {
        const section = metricsSection(totals({ objectsWritten: 97 }), own, repeatedWorkOf(quietRun));
        assert.equal(section.agree, false);
        assert.match(formatMetricsLines(section).join("\n"), /the metrics DISAGREE with the run's own counts: .*ObjectsWritten 97 ≠ 98 objects verified.*; nothing the run repeated explains it$/);
    });

    it("names the work the run repeated beside a difference it explains", () => {
        const repeated = repeatedWorkOf({ ...quietRun, mapping: { retries: 3, bisections: 1 }, faults: { redeliveries: 2, writerCrashes: 0, asyncDuplicates: 0 } });
        const section = metricsSection(totals({ objectsWritten: 120 }), own, repeated);
        assert.deepEqual(section.repeatedWork, ["mapping retries: 3", "bisections: 1", "batches delivered twice: 2"]);
        assert.match(formatMetricsLines(section).join("\n"), /ObjectsWritten 120 ≠ 98 .*; the run repeated work, which the handlers count again each time: mapping retries: 3, bisections: 1, batches delivered twice: 2$/);
    });

    it("disagrees when the totals match but a reason's count does not", () => {
        const section = metricsSection(totals({ byReason: { "invalid-json": 1, "unsafe-id": 1 } }), own, []);
        const check = section.checks.find((c) => c.metric === "LinesDeadLettered")!;
        assert.deepEqual([check.published, check.counted, check.agrees], [2, 2, false]);
        assert.match(formatMetricsLines(section).join("\n"), /LinesDeadLettered 2 ≠ 2 dead letters verified \(by reason invalid-json 1, unsafe-id 1 against invalid-json 2\)/);
    });

    it("says there was nothing to read when no function printed an EMF document, and does not claim agreement", () => {
        const section = metricsSection({ documents: 0, byFunction: { splitter: {}, writer: {} }, byReason: {} }, { inputLines: 0, objectsVerified: 0, deadLettersVerified: {} }, []);
        assert.equal(section.agree, false);
        assert.deepEqual(formatMetricsLines(section), ["  metrics      none: the functions printed no EMF document (the project's handlers publish one per invocation)"]);
    });
});
