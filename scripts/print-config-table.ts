// Prints the README's config table: `npx ts-node scripts/print-config-table.ts`.
import { configTableMarkdown } from "../settings/config-table";

process.stdout.write(configTableMarkdown() + "\n");
