// Filled in by the wrappers work; re-exported from ../index.ts.
export {};
