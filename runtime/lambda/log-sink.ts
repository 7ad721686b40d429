import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Where a function's stdout and stderr go: Lambda would put them in CloudWatch Logs. By default
 * they are discarded, never written to the runtime's own terminal (that would break the progress
 * display). A file sink appends every sandbox's output, each line prefixed with its log stream.
 */
export interface LogSink {
    write(logStreamName: string, text: string): void;
    close(): Promise<void>;
}

export type LogDestination = { kind: "discard" } | { kind: "file"; path: string } | { kind: "callback"; onLog: (logStreamName: string, text: string) => void };

export function createLogSink(destination: LogDestination = { kind: "discard" }): LogSink {
    if (destination.kind === "callback") {
        return { write: destination.onLog, close: async () => undefined };
    }
    if (destination.kind === "file") {
        fs.mkdirSync(path.dirname(destination.path), { recursive: true });
        const stream = fs.createWriteStream(destination.path, { flags: "a" });
        return {
            write: (logStreamName, text) => {
                const lines = text.endsWith("\n") ? text.slice(0, -1) : text;
                stream.write(lines.split("\n").map((line) => `${logStreamName} ${line}\n`).join(""));
            },
            close: () => new Promise<void>((resolve) => stream.end(() => resolve())),
        };
    }
    return { write: () => undefined, close: async () => undefined };
}

/** The sink, with `tap` also handed every chunk (the EMF collector reads the handlers' metrics from it). */
export function withTap(sink: LogSink, tap: ((logStreamName: string, text: string) => void) | undefined): LogSink {
    if (!tap) return sink;
    return {
        write: (logStreamName, text) => {
            sink.write(logStreamName, text);
            tap(logStreamName, text);
        },
        close: () => sink.close(),
    };
}
