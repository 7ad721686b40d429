/** The README section between the config-table markers, so that it can be rewritten and checked. */
const START = /<!-- START-CONFIG-TABLE[^>]*-->\n/;
const END = "<!-- END-CONFIG-TABLE -->";

export function readmeConfigTable(readme: string): string {
    const start = START.exec(readme);
    const end = readme.indexOf(END);
    if (!start || end < 0) throw new Error("README.md has no START-CONFIG-TABLE / END-CONFIG-TABLE markers");
    return readme.slice(start.index + start[0].length, end).trim();
}

export function replaceConfigTable(readme: string, table: string): string {
    const start = START.exec(readme);
    const end = readme.indexOf(END);
    if (!start || end < 0) throw new Error("README.md has no START-CONFIG-TABLE / END-CONFIG-TABLE markers");
    return readme.slice(0, start.index + start[0].length) + table + "\n" + readme.slice(end);
}
