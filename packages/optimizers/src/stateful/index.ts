// Filled in by the stateful work; re-exported from ../index.ts.
export {};
