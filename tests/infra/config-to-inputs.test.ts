import * as assert from "node:assert/strict";
import { ENV } from "../../handlers/shared/environment";
import { SETTING_DEFINITIONS, SETTING_KEYS, type SettingKey } from "../../settings/definitions";
import { parseSettings, type FanoutSettings } from "../../settings/parse";
import { buildProgram, type BuiltProgram } from "../support/pulumi-program";

/**
 * Where each config key lands: the resource input(s) it must set. `read` returns that input from a
 * built program; `expected` turns the setting's value into the input's value.
 */
interface Row {
    key: SettingKey;
    /** A valid value different from the default. */
    changed: string;
    read: (built: BuiltProgram) => unknown;
    expected?: (value: any) => unknown;
    /** Settings that must come along for `changed` to show (and that other rows must not see). */
    alone?: Record<string, string>;
}

function inputs(built: BuiltProgram, type: string, name?: string): Record<string, any> {
    const matches = built.resources.filter((resource) => resource.type === type && (name === undefined || resource.name === name));
    assert.equal(matches.length, 1, `expected one ${type} ${name ?? ""}`);
    return matches[0].inputs;
}
const stream = (built: BuiltProgram) => inputs(built, "aws:kinesis/stream:Stream");
const mapping = (built: BuiltProgram) => inputs(built, "aws:lambda/eventSourceMapping:EventSourceMapping");
const splitter = (built: BuiltProgram) => inputs(built, "aws:lambda/function:Function", "kinesis-fanout-splitter");
const writer = (built: BuiltProgram) => inputs(built, "aws:lambda/function:Function", "kinesis-fanout-writer");
const trigger = (built: BuiltProgram) => inputs(built, "aws:s3/bucketNotification:BucketNotification").lambdaFunctions[0];
const logGroups = (built: BuiltProgram) =>
    built.resources.filter((resource) => resource.type === "aws:cloudwatch/logGroup:LogGroup").map((group) => group.inputs.retentionInDays);
const iteratorAlarm = (built: BuiltProgram) => inputs(built, "aws:cloudwatch/metricAlarm:MetricAlarm", "kinesis-fanout-monitoring-iterator-age");
const failureLifecycle = (built: BuiltProgram) =>
    inputs(built, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "kinesis-fanout-failures-expire-failed-batches");
const splitterPolicyResources = (built: BuiltProgram) =>
    JSON.parse(inputs(built, "aws:iam/rolePolicy:RolePolicy", "kinesis-fanout-splitter-policy").policy).Statement[0].Resource[0];

const ROWS: Row[] = [
    { key: "streamMode", changed: "ON_DEMAND", read: (built) => [stream(built).streamModeDetails.streamMode, stream(built).shardCount], expected: (mode) => (mode === "ON_DEMAND" ? [mode, undefined] : [mode, 1]), alone: {} },
    { key: "shardCount", changed: "3", read: (built) => stream(built).shardCount },
    { key: "retentionPeriodHours", changed: "48", read: (built) => stream(built).retentionPeriod },
    { key: "batchSize", changed: "500", read: (built) => mapping(built).batchSize },
    { key: "maximumBatchingWindowInSeconds", changed: "5", read: (built) => mapping(built).maximumBatchingWindowInSeconds },
    { key: "parallelizationFactor", changed: "7", read: (built) => mapping(built).parallelizationFactor },
    { key: "startingPosition", changed: "LATEST", read: (built) => mapping(built).startingPosition },
    { key: "bisectBatchOnFunctionError", changed: "false", read: (built) => mapping(built).bisectBatchOnFunctionError },
    { key: "maximumRetryAttempts", changed: "10", read: (built) => mapping(built).maximumRetryAttempts },
    { key: "maximumRecordAgeInSeconds", changed: "3600", read: (built) => mapping(built).maximumRecordAgeInSeconds },
    {
        key: "onFailureDestination",
        changed: "sqs",
        read: (built) => mapping(built).destinationConfig.onFailure.destinationArn.split(":")[2],
        expected: (destination) => destination,
        alone: {},
    },
    { key: "failureRetentionDays", changed: "90", read: (built) => failureLifecycle(built).rules[0].expiration.days },
    { key: "writerConcurrency", changed: "4", read: (built) => writer(built).environment.variables[ENV.writerConcurrency], expected: String },
    { key: "partitionKey", changed: "line-hash", read: (built) => splitter(built).environment.variables[ENV.partitionKey] },
    { key: "outputKeyTemplate", changed: "items/{id}.json", read: (built) => writer(built).environment.variables[ENV.outputKeyTemplate] },
    {
        key: "inputPrefix",
        changed: "uploads/",
        read: (built) => [trigger(built).filterPrefix, splitterPolicyResources(built)],
        expected: (prefix) => [prefix === "" ? undefined : prefix, `arn:aws:s3:::kinesis-fanout-input-mock/${prefix}*`],
    },
    { key: "inputSuffix", changed: ".jsonl", read: (built) => trigger(built).filterSuffix, expected: (suffix) => (suffix === "" ? undefined : suffix) },
    { key: "lambdaRuntime", changed: "nodejs20.x", read: (built) => [splitter(built).runtime, writer(built).runtime], expected: (runtime) => [runtime, runtime] },
    { key: "splitterMemoryMb", changed: "1024", read: (built) => splitter(built).memorySize },
    { key: "writerMemoryMb", changed: "512", read: (built) => writer(built).memorySize },
    { key: "splitterTimeoutSeconds", changed: "300", read: (built) => splitter(built).timeout },
    { key: "splitterMaxChainInvocations", changed: "50", read: (built) => splitter(built).environment.variables[ENV.maxChainInvocations], expected: String },
    { key: "writerTimeoutSeconds", changed: "120", read: (built) => writer(built).timeout },
    { key: "writerReservedConcurrency", changed: "8", read: (built) => writer(built).reservedConcurrentExecutions },
    { key: "iteratorAgeAlarmSeconds", changed: "600", read: (built) => iteratorAlarm(built).threshold, expected: (seconds) => seconds * 1000 },
    { key: "logRetentionDays", changed: "30", read: logGroups, expected: (days) => [days, days] },
];

describe("each config key sets the resource input it should", () => {
    const builds = new Map<string, { settings: FanoutSettings; built: BuiltProgram }>();
    const changedTogether = Object.fromEntries(ROWS.filter((row) => !row.alone).map((row) => [row.key, row.changed]));

    async function build(name: string, raw: Record<string, string>): Promise<void> {
        const { settings } = parseSettings(raw);
        builds.set(name, { settings, built: await buildProgram(settings) });
    }

    before(async () => {
        await build("defaults", {});
        await build("changed", changedTogether);
        for (const row of ROWS.filter((candidate) => candidate.alone)) await build(row.key, { ...row.alone, [row.key]: row.changed });
    });

    it("has a row for every key of SETTING_DEFINITIONS", () => {
        assert.deepEqual(ROWS.map((row) => row.key).sort(), [...SETTING_KEYS].sort());
    });

    for (const row of ROWS) {
        it(`${row.key}: the default ${JSON.stringify(SETTING_DEFINITIONS[row.key].default)} and a changed ${row.changed} both reach the input`, () => {
            const expected = row.expected ?? ((value: unknown) => value);
            const defaults = builds.get("defaults")!;
            const changed = builds.get(row.alone ? row.key : "changed")!;
            assert.notDeepEqual(changed.settings[row.key], defaults.settings[row.key], "the row's changed value must differ from the default");
            assert.deepEqual(row.read(defaults.built), expected(defaults.settings[row.key]));
            assert.deepEqual(row.read(changed.built), expected(changed.settings[row.key]));
        });
    }
});
