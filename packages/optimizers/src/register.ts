/** Registers the built-in optimizers by name. Importing this module has that side effect. */
export {};
