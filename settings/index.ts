export * from "./definitions";
export * from "./parse";
