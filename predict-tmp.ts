import { readStackFile } from "/work/wt-cpu-share/runtime/stack/read-stack-file";
import { predictDrainTime, SEED_LATENCIES } from "/work/wt-cpu-share/planner";
import { NO_CPU } from "/work/wt-cpu-share/planner/function-cpu";
for (const m of [128, 1769]) {
  const st = readStackFile("/work/wt-cpu-share/tests/fixtures/stacks", `writer${m}`);
  const p = predictDrainTime(st.settings, { records: 4000, recordBytes: 2048 }, SEED_LATENCIES);
  const q = predictDrainTime(st.settings, { records: 4000, recordBytes: 2048 }, SEED_LATENCIES, { cpu: NO_CPU });
  console.log(m, p.seconds.toFixed(2), p.bottleneck, "noCPU", q.seconds.toFixed(2));
  console.log(p.notes.join("\n"));
}
