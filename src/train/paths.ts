/** The trainer's paths (its environment, caches, Python entry points) live at the bottom, in src/package-paths.ts. */
export { cacheDir, PACKAGE_ROOT, pythonFile, venvDir, venvPython } from "../package-paths.js";
