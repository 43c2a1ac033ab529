import { readFileSync } from "node:fs";

/** The installed sealign version, read from package.json so it can never drift. */
export const SEALIGN_VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;
