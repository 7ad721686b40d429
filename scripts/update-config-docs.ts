// Rewrites the README's config table and Pulumi.yaml's config block from settings/definitions.ts:
// `npx ts-node scripts/update-config-docs.ts`. tests/readme.test.ts and
// tests/settings/pulumi-yaml-config.test.ts fail when either is stale.
import * as fs from "node:fs";
import * as path from "node:path";
import { configTableMarkdown } from "../settings/config-table";
import { replaceConfigTable } from "../settings/readme-config-table";
import { pulumiConfigBlock, replacePulumiConfigBlock } from "../settings/pulumi-yaml-config";

function rewrite(file: string, update: (text: string) => string): void {
    const target = path.resolve(__dirname, "..", file);
    fs.writeFileSync(target, update(fs.readFileSync(target, "utf8")));
}

rewrite("README.md", (readme) => replaceConfigTable(readme, configTableMarkdown()));
rewrite("Pulumi.yaml", (yaml) => replacePulumiConfigBlock(yaml, pulumiConfigBlock()));
