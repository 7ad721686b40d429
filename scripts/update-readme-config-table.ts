// Rewrites the README's config table from settings/definitions.ts:
// `npx ts-node scripts/update-readme-config-table.ts`. tests/readme.test.ts fails when it is stale.
import * as fs from "node:fs";
import * as path from "node:path";
import { configTableMarkdown } from "../settings/config-table";
import { replaceConfigTable } from "../settings/readme-config-table";

const readme = path.resolve(__dirname, "../README.md");
fs.writeFileSync(readme, replaceConfigTable(fs.readFileSync(readme, "utf8"), configTableMarkdown()));
