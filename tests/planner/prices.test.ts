import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PRICE_ITEMS, PRICES_DIRECTORY, PriceFileError, availableRegions, loadPrices, validatePriceTable } from "../../planner";

describe("planner: price files", () => {
    it("has a valid, dated price file for ap-northeast-1 and us-east-1", () => {
        for (const region of ["ap-northeast-1", "us-east-1"]) {
            const table = loadPrices(region);
            assert.equal(table.region, region);
            assert.equal(table.currency, "USD");
            assert.match(table.retrieved, /^\d{4}-\d{2}-\d{2}$/);
        }
    });

    it("says where every price came from", () => {
        for (const region of availableRegions()) {
            const table = loadPrices(region);
            for (const item of PRICE_ITEMS) {
                assert.ok((table.sources[item] ?? "").length > 20, `${region}: sources["${item}"] must say where the price came from`);
            }
        }
    });

    it("names the unknown region and the regions that have prices", () => {
        assert.throws(
            () => loadPrices("eu-west-1"),
            (error: Error) =>
                error instanceof PriceFileError &&
                error.message.includes('"eu-west-1"') &&
                error.message.includes("ap-northeast-1, us-east-1"),
        );
    });

    it("refuses a region name that is a path, not a region", () => {
        assert.throws(() => loadPrices("../settings/x"), /no price file for region "\.\.\/settings\/x"; regions with prices: /);
    });

    it("lists every problem of an invalid price file", () => {
        const good = JSON.parse(readFileSync(join(PRICES_DIRECTORY, "us-east-1.json"), "utf8"));
        const bad = { ...good, retrieved: "26/11/2026", kinesis: { ...good.kinesis, shardHour: -1 }, sources: { ...good.sources } };
        delete bad.sources["s3.putPer1000"];
        assert.throws(
            () => validatePriceTable(bad, "test.json"),
            (error: Error) =>
                error.message.includes("invalid price file test.json") &&
                error.message.includes("retrieved must be an ISO date") &&
                error.message.includes("kinesis.shardHour must be a price in USD, 0 or more (got -1)") &&
                error.message.includes('sources["s3.putPer1000"] must say where the price came from'),
        );
    });

    it("reads an edited price file without a rebuild, and checks that its region matches its name", () => {
        const directory = mkdtempSync(join(tmpdir(), "planner-prices-"));
        try {
            const table = JSON.parse(readFileSync(join(PRICES_DIRECTORY, "us-east-1.json"), "utf8"));
            writeFileSync(join(directory, "eu-west-1.json"), JSON.stringify({ ...table, region: "eu-west-1", kinesis: { ...table.kinesis, shardHour: 0.017 } }));
            writeFileSync(join(directory, "eu-central-1.json"), JSON.stringify(table));
            assert.equal(loadPrices("eu-west-1", directory).kinesis.shardHour, 0.017);
            assert.throws(() => loadPrices("eu-central-1", directory), /says region "us-east-1"; it must say "eu-central-1"/);
        } finally {
            rmSync(directory, { recursive: true, force: true });
        }
    });
});
