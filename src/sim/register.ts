import { registerProvider } from "../providers/registry.js";
import { createSimProvider } from "./provider.js";

/** Registers the simulated teacher under the `sim` SPEC prefix (imported by the CLI and the library). */
registerProvider("sim", (rest, options) => createSimProvider(rest, options));
