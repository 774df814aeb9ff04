// Filled in by the plugins work; re-exported from ../index.ts.
export {};
