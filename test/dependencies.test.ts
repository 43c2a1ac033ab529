import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { createEmbeddedProvider } from "../src/providers/embedded.js";
import {
  importNodeLlamaCpp,
  importOptional,
  NODE_LLAMA_CPP,
  NODE_LLAMA_CPP_RANGE,
  resolveOptional,
} from "../src/providers/llama-cpp.js";
import { REPO_ROOT } from "./helpers/paths.js";

type Lock = { packages: Record<string, { optionalDependencies?: Record<string, string>; version?: string }> };
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
const lock: Lock = JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8"));

describe("the lock file", () => {
  it("holds an entry for every optional dependency of every locked package (what npm ci checks)", () => {
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys(entry.optionalDependencies ?? {})) {
        // npm's resolution: nested under the package first, then hoisted to the root
        const nested = `${path ? `${path}/` : ""}node_modules/${name}`;
        if (!lock.packages[nested] && !lock.packages[`node_modules/${name}`])
          missing.push(`${path} -> ${name}`);
      }
    }
    expect(missing).toEqual([]);
    // every platform's llama.cpp binary is there, not only this machine's
    const llamaBinaries = Object.keys(lock.packages).filter((p) =>
      p.startsWith("node_modules/@node-llama-cpp/"),
    );
    expect(llamaBinaries.length).toBe(
      Object.keys(lock.packages["node_modules/node-llama-cpp"]?.optionalDependencies ?? {}).length,
    );
    expect(llamaBinaries.some((p) => p.includes("win-x64"))).toBe(true);
    expect(llamaBinaries.some((p) => p.includes("mac-arm64"))).toBe(true);
  });
});

describe("node-llama-cpp is optional", () => {
  it("is an optional peer (and a dev dependency for the tests), never a dependency users download", () => {
    expect(pkg.dependencies[NODE_LLAMA_CPP]).toBeUndefined();
    expect(pkg.peerDependencies[NODE_LLAMA_CPP]).toBe(NODE_LLAMA_CPP_RANGE);
    expect(pkg.peerDependenciesMeta[NODE_LLAMA_CPP].optional).toBe(true);
    expect(pkg.devDependencies[NODE_LLAMA_CPP]).toBeDefined();
  });

  it("a missing optional package is an InputError naming the feature and the install command", async () => {
    const absent = "sealign-test-no-such-package";
    const error = (await importOptional(absent, "^1.0.0", "the embedded model").catch(
      (e: unknown) => e,
    )) as Error;
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("the embedded model needs sealign-test-no-such-package");
    expect(error.message).toContain("npm install sealign-test-no-such-package@^1.0.0");
    expect(() => resolveOptional(absent, "^1.0.0", "the GGUF export")).toThrow(
      /the GGUF export needs sealign-test-no-such-package.*npm install/,
    );
  });

  it("a package that is there but broken is not reported as missing", async () => {
    // a real module whose own import fails: the original error must come through
    const error = await importOptional("node:sealign-no-such-builtin", "^1", "x").catch((e) => e);
    expect(error).not.toBeInstanceOf(InputError);
  });

  it("loads when installed (the project's own set-up installs it)", async () => {
    const llama = await importNodeLlamaCpp();
    expect(typeof llama.getLlama).toBe("function");
    expect(resolveOptional(NODE_LLAMA_CPP, NODE_LLAMA_CPP_RANGE, "x")).toContain("node-llama-cpp");
  });

  it("the embedded provider still checks its model path first-class", async () => {
    await expect(createEmbeddedProvider("/nonexistent/model.gguf", {})).rejects.toThrow(
      /GGUF model not found/,
    );
  });
});
