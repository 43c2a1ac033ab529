import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./helpers/paths.js";

/**
 * The shape of src/ (docs/architecture.md): no module imports itself back through others, and
 * the floors hold (the CLI on top, io/ and schema/ at the bottom). Every relative import counts:
 * `import`, `import type`, `export ... from` and `import("...")` with a literal path, since a
 * type-only or lazy import still ties two modules together for a reader and for the compiler.
 */

const SRC = join(REPO_ROOT, "src");

/** Relative paths under src/ of every .ts module. */
function modules(dir = SRC): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...modules(path));
    else if (name.endsWith(".ts")) out.push(relative(SRC, path));
  }
  return out.sort();
}

// `import x from "./a.js"`, `import type {...} from`, `export {...} from`, `export * from`,
// `import "./a.js"` (at a line start, so text inside strings and comments rarely matches), and
// `import("./a.js")` anywhere.
const IMPORT =
  /(?:^[ \t]*(?:import|export)\s+(?:type\s+)?(?:[^"';]*?\sfrom\s+)?|\bimport\(\s*)["'](\.{1,2}\/[^"']+)["']/gm;

/** module -> the src/ modules it imports (relative paths, `.js` read as the `.ts` source). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of modules()) {
    const text = readFileSync(join(SRC, file), "utf8");
    const targets = new Set<string>();
    for (const match of text.matchAll(IMPORT)) {
      const target = relative(SRC, resolve(SRC, dirname(file), (match[1] as string).replace(/\.js$/, ".ts")));
      if (!target.startsWith("..")) targets.add(target);
    }
    graph.set(file, [...targets].sort());
  }
  return graph;
}

/** One import circle as a path that ends where it starts, or null. */
function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next) && graph.has(next)) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, "done");
    return null;
  };
  for (const node of graph.keys()) {
    if (state.has(node)) continue;
    const found = visit(node);
    if (found) return found;
  }
  return null;
}

/** The folder of a module ("pairs" for pairs/run.ts), or the file itself at the top of src/. */
const folderOf = (file: string): string => (file.includes("/") ? (file.split("/")[0] as string) : file);

/** Imports that break `allowed(from, to)`, as "from -> to" lines. */
function violations(graph: Map<string, string[]>, allowed: (from: string, to: string) => boolean): string[] {
  const out: string[] = [];
  for (const [from, targets] of graph)
    for (const to of targets) if (!allowed(from, to)) out.push(`${from} -> ${to}`);
  return out;
}

/** The modules at the bottom of src/: anything may import them, and they import nothing above. */
const BOTTOM = new Set(["errors.ts", "version.ts", "package-paths.ts"]);

describe("src/ import structure", () => {
  const graph = importGraph();

  it("reads the imports it checks (the parser is not blind)", () => {
    expect(graph.size).toBeGreaterThan(100);
    // One of each kind: static, type-only, re-export and lazy.
    expect(graph.get("commands/tree.ts")).toContain("pairs/write.ts");
    expect(graph.get("pairs/write.ts")).toContain("tree/tree.ts");
    expect(graph.get("tree/keys.ts")).toContain("schema/action-key.ts");
    expect(graph.get("providers/registry.ts")).toContain("providers/openai.ts");
    const cyclic = new Map(graph);
    cyclic.set("io/names.ts", [...(graph.get("io/names.ts") ?? []), "pairs/write.ts"]);
    expect(findCycle(cyclic)).not.toBeNull();
  });

  it("has no import circles", () => {
    const cycle = findCycle(graph);
    expect(cycle, cycle ? `import circle: ${cycle.join(" -> ")}` : "").toBeNull();
  });

  it("keeps the CLI on top: only src/commands/, cli.ts and run-cli.ts import src/commands/", () => {
    const top = (from: string) => from.startsWith("commands/") || from === "cli.ts" || from === "run-cli.ts";
    expect(violations(graph, (from, to) => !to.startsWith("commands/") || top(from))).toEqual([]);
  });

  it("keeps io/ and schema/ at the bottom: they import only each other and the bottom modules", () => {
    const low = (from: string) => from.startsWith("io/") || from.startsWith("schema/");
    const bad = violations(
      graph,
      (from, to) => !low(from) || to.startsWith("io/") || to.startsWith("schema/") || BOTTOM.has(to),
    );
    expect(bad).toEqual([]);
    // schema/ reads no files: io/ may use schema/ types, never the other way.
    expect(violations(graph, (from, to) => !(from.startsWith("schema/") && to.startsWith("io/")))).toEqual(
      [],
    );
    expect(violations(graph, (from, to) => !BOTTOM.has(from) || BOTTOM.has(to))).toEqual([]);
  });

  it("keeps the floors named in docs/architecture.md", () => {
    const rules: [string, (from: string, to: string) => boolean][] = [
      // the renderer is below training: train exports through it, never the reverse
      [
        "render/ does not import train/",
        (from, to) => !(from.startsWith("render/") && to.startsWith("train/")),
      ],
      // the tree is below the corpus engine that builds trees and pairs (pairs/)
      ["tree/ does not import pairs/", (from, to) => !(from.startsWith("tree/") && to.startsWith("pairs/"))],
      // the demo runs every stage; no stage runs the demo
      [
        "only commands/ and index.ts import demo/",
        (from, to) =>
          !to.startsWith("demo/") ||
          from.startsWith("demo/") ||
          from.startsWith("commands/") ||
          from === "index.ts",
      ],
      // the agent is one episode: it knows nothing of runs, queues or the stages after it (it
      // shares the tree's step rules: the stuck rule and observation hashes)
      [
        "agent/ imports no run or later stage",
        (from, to) =>
          !from.startsWith("agent/") ||
          ![
            "collect",
            "queue",
            "validate",
            "pairs",
            "export",
            "train",
            "eval",
            "view",
            "demo",
            "commands",
          ].includes(folderOf(to)),
      ],
    ];
    for (const [name, rule] of rules) expect(violations(graph, rule), name).toEqual([]);
  });

  it("has no loop between folders but the one docs/architecture.md names (providers/ and sim/)", () => {
    // Folder A imports folder B and B, through any modules, imports A. Tarjan's strongly
    // connected components of the folder graph: each component of more than one is a loop.
    const edges = new Map<string, Set<string>>();
    for (const [from, targets] of graph)
      for (const to of targets)
        if (folderOf(from) !== folderOf(to))
          edges.set(folderOf(from), (edges.get(folderOf(from)) ?? new Set()).add(folderOf(to)));
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const loops: string[][] = [];
    const connect = (v: string) => {
      index.set(v, index.size);
      low.set(v, index.get(v) as number);
      stack.push(v);
      for (const w of edges.get(v) ?? []) {
        if (!index.has(w)) {
          connect(w);
          low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
        } else if (stack.includes(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
      }
      if (low.get(v) === index.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop() as string;
          component.push(w);
        } while (w !== v);
        if (component.length > 1) loops.push(component.sort());
      }
    };
    for (const v of [...edges.keys()].sort()) if (!index.has(v)) connect(v);
    expect(loops).toEqual([["providers", "sim"]]);
  });

  describe("docs/architecture.md's table is true", () => {
    const doc = readFileSync(join(REPO_ROOT, "docs", "architecture.md"), "utf8");
    const rows = doc
      .split("\n")
      .filter((line) => line.startsWith("| `"))
      .map((line) =>
        line
          .slice(1, -1)
          .split(" | ")
          .map((cell) => cell.trim()),
      );
    const ticks = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
    /** "agent/" for `src/agent/`, "errors.ts" for `errors.ts`: the units folderOf names. */
    const unitsOf = (cell: string) => ticks(cell).map((t) => t.replace(/^src\//, "").replace(/\/$/, ""));
    const rowOf = new Map<string, string[]>();
    for (const row of rows) for (const unit of unitsOf(row[0] as string)) rowOf.set(unit, row);

    it("has one row per folder and top-level module of src/", () => {
      const units = new Set([...graph.keys()].map(folderOf));
      expect([...units].filter((u) => !rowOf.has(u)).sort()).toEqual([]);
      expect([...rowOf.keys()].filter((u) => !units.has(u)).sort()).toEqual([]);
    });

    it('lists everything a row imports under "may import"', () => {
      const bad: string[] = [];
      for (const [from, targets] of graph) {
        const row = rowOf.get(folderOf(from));
        if (!row || row[3] === "any folder") continue;
        const allowed = new Set(unitsOf(row[3] as string));
        for (const to of targets)
          if (folderOf(to) !== folderOf(from) && !allowed.has(folderOf(to))) bad.push(`${from} -> ${to}`);
      }
      expect(bad).toEqual([]);
    });

    it("names only functions and types that src/ exports", () => {
      const source = [...graph.keys()].map((file) => readFileSync(join(SRC, file), "utf8")).join("\n");
      // camelCase and PascalCase names; plain words in backticks are provider prefixes and such
      const names = rows
        .flatMap((row) => ticks(row[2] as string))
        .filter((n) => /^[A-Za-z_]\w*$/.test(n) && /[A-Z]/.test(n));
      expect(names.length).toBeGreaterThan(50);
      const exported = (name: string) =>
        new RegExp(`export\\s+(?:async\\s+)?(?:function\\*?|class|const|interface|type)\\s+${name}\\b`).test(
          source,
        ) || new RegExp(`export\\s*(?:type\\s*)?\\{[^}]*\\b${name}\\b[^}]*\\}`).test(source);
      expect(names.filter((n) => !exported(n))).toEqual([]);
    });
  });
});
