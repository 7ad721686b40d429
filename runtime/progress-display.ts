import { SingleBar, Presets } from "cli-progress";
import type { ProgressSnapshot } from "./pipeline/run-report";

/**
 * Shows a run's progress: a live bar on a terminal, or one plain line about once a second when
 * the output is a file or a pipe (CI logs stay readable).
 */
export interface ProgressDisplay {
    update(snapshot: ProgressSnapshot): void;
    stop(): void;
}

function describe(snapshot: ProgressSnapshot): Record<string, string | number> {
    return {
        inStream: snapshot.recordsInStream,
        split: snapshot.splitterDone ? "done" : "running",
        deadLettered: snapshot.deadLettered,
        inFlight: snapshot.batchesInFlight,
        age: Math.round(snapshot.iteratorAgeMs),
    };
}

export function createProgressDisplay(stream: NodeJS.WriteStream = process.stderr): ProgressDisplay {
    if (stream.isTTY) {
        const bar = new SingleBar(
            {
                stream,
                format:
                    "{bar} {value}/{total} processed | read from stream {inStream} (splitter {split}) | dead-lettered {deadLettered} | batches in flight {inFlight} | iterator age {age} ms",
                hideCursor: true,
                clearOnComplete: false,
            },
            Presets.shades_classic,
        );
        let started = false;
        return {
            update(snapshot) {
                if (!started) {
                    bar.start(snapshot.records, 0, describe(snapshot));
                    started = true;
                }
                bar.update(snapshot.recordsProcessed, describe(snapshot));
            },
            stop() {
                if (started) bar.stop();
                started = false;
            },
        };
    }
    return {
        update(snapshot) {
            const d = describe(snapshot);
            stream.write(
                `[${snapshot.seconds.toFixed(0).padStart(4)} s] processed ${snapshot.recordsProcessed}/${snapshot.records}, read from stream ${d.inStream} (splitter ${d.split}), dead-lettered ${d.deadLettered}, batches in flight ${d.inFlight}, iterator age ${d.age} ms\n`,
            );
        },
        stop() {},
    };
}
