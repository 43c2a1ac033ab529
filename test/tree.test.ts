import { describe, expect, it } from "vitest";
import { steps } from "../src/schema/steps.js";
import { actionKey, collapseShellSpaces, sameAction } from "../src/tree/keys.js";
import { normaliseObservation, observationHash } from "../src/tree/observation.js";
import { firstRepeatedAction, repeatsSameAction } from "../src/tree/stuck.js";
import { TaskTree, type TreeNode } from "../src/tree/tree.js";
import { TrajectoryView } from "../src/tree/view.js";
import { wilsonInterval, zForConfidence } from "../src/tree/wilson.js";
import { trajectory } from "./fixtures/tree/build.js";
import { prng } from "./fixtures/tree/random.js";

function call(tool: string, args: string, thought = "") {
  return { thought, calls: [{ id: "x", tool, arguments: safeParse(args), argumentsRaw: args }] };
}
function safeParse(raw: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(raw);
    return v && typeof v === "object" && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}

function build(
  trajectories: ReturnType<typeof trajectory>[],
  merge: "observation" | "action" = "observation",
) {
  const tree = new TaskTree("T", { merge });
  trajectories.forEach((t, i) => {
    tree.add(new TrajectoryView(t, i));
  });
  return tree;
}

/** The materialised tree as "depth:command visits/successes [ids]" lines, depth first. */
function shape(tree: TaskTree): string[] {
  tree.materialise();
  const out: string[] = [];
  for (const node of tree.nodes()) {
    if (node.kind !== "step") continue;
    const command = JSON.parse(node.key)[0][1].command as string;
    out.push(
      `${node.depth}:${command} ${node.successes}/${node.visits} [${node.trajectories.map((v) => v.id).join(",")}]`,
    );
  }
  return out;
}

describe("action keys", () => {
  it("sort argument keys, trim strings and ignore the thought by default", () => {
    const a = actionKey(call("str_replace_editor", '{"path":"/a.py","command":"view"}', "I look"));
    const b = actionKey(call("str_replace_editor", '{"command":"view ","path":" /a.py"}', "Let me see"));
    expect(a).toBe(b);
    expect(a).toBe('[["str_replace_editor",{"command":"view","path":"/a.py"}]]');
  });

  it("keep whitespace inside code but collapse spaces in shell commands outside quotes", () => {
    const code1 = actionKey(
      call("str_replace_editor", JSON.stringify({ command: "str_replace", new_str: "if x:\n    y" })),
    );
    const code2 = actionKey(
      call("str_replace_editor", JSON.stringify({ command: "str_replace", new_str: "if x:\n  y" })),
    );
    expect(code1).not.toBe(code2);
    const sh1 = actionKey(call("execute_bash", JSON.stringify({ command: "grep  -rn   foo\tsrc" })));
    const sh2 = actionKey(call("execute_bash", JSON.stringify({ command: "grep -rn foo src" })));
    expect(sh1).toBe(sh2);
    expect(collapseShellSpaces(`echo "a   b"  'c   d'   e`)).toBe(`echo "a   b" 'c   d' e`);
    // CRLF inside a string value is the same as LF.
    const crlf = actionKey(call("str_replace_editor", JSON.stringify({ new_str: "a\r\nb" })));
    const lf = actionKey(call("str_replace_editor", JSON.stringify({ new_str: "a\nb" })));
    expect(crlf).toBe(lf);
  });

  it("use the thought only with keyThought, key text-only turns by their text, keep malformed arguments raw", () => {
    const a = call("execute_bash", '{"command":"ls"}', "first idea");
    const b = call("execute_bash", '{"command":"ls"}', "second idea");
    expect(actionKey(a)).toBe(actionKey(b));
    expect(actionKey(a, { keyThought: true })).not.toBe(actionKey(b, { keyThought: true }));
    expect(actionKey({ thought: "I am  done.\n", calls: [] })).toBe(
      actionKey({ thought: "I am done.", calls: [] }),
    );
    expect(actionKey({ thought: "I am done.", calls: [] })).not.toBe(
      actionKey({ thought: "Not done.", calls: [] }),
    );
    expect(JSON.parse(actionKey(call("execute_bash", '{"command": "ls"')))).toEqual([
      ["execute_bash", null, '{"command": "ls"'],
    ]);
  });
});

describe("sameAction", () => {
  it("agrees with action key equality on random variations", () => {
    const random = prng(99);
    const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)] as T;
    const variants = (): string => {
      const command = pick(["ls  -la", "ls -la", " ls -la\r\n", "echo 'a  b'", "echo 'a b'", "view"]);
      const text = pick(["x = 1\n", "x = 1\r\n", "  x = 1", "x  = 1", "y"]);
      const shape = pick([0, 1, 2, 3, 4]);
      if (shape === 0) return JSON.stringify({ command, path: "/a.py" });
      if (shape === 1) return JSON.stringify({ path: "/a.py", command });
      if (shape === 2) return JSON.stringify({ command, new_str: text, range: [1, pick([2, 3])] });
      if (shape === 3) return JSON.stringify({ nested: { b: text, a: command } });
      return pick(['{"command": "ls"', "[1,2]", ' {"command": "ls"  ']);
    };
    let equal = 0;
    for (let i = 0; i < 3000; i++) {
      const tool = pick(["execute_bash", "str_replace_editor"]);
      const a =
        random() < 0.1
          ? { thought: pick(["done", " done "]), calls: [] }
          : call(tool, variants(), pick(["a", "b"]));
      const b =
        random() < 0.1
          ? { thought: pick(["done", "other"]), calls: [] }
          : call(tool, variants(), pick(["a", "b"]));
      for (const keyThought of [false, true]) {
        const byKey = actionKey(a, { keyThought }) === actionKey(b, { keyThought });
        expect(sameAction(a, b, { keyThought })).toBe(byKey);
        if (byKey) equal++;
      }
    }
    expect(equal).toBeGreaterThan(100);
  });
});

describe("observation normalisation", () => {
  it("strips timings, durations, temp paths, PIDs, hex addresses and dates", () => {
    expect(normaliseObservation("5 passed in 0.12s")).toBe(normaliseObservation("5 passed in 3.40s"));
    expect(normaliseObservation("real\t0m1.234s")).toBe("real\t<dur>");
    expect(normaliseObservation("took 35 ms")).toBe("took <dur>");
    expect(normaliseObservation("/tmp/tmpab12cd_x/t.py failed")).toBe("<tmp> failed");
    expect(normaliseObservation("wrote tmpa1b2c3d4")).toBe("wrote <tmp>");
    expect(normaliseObservation("<Foo object at 0x7f3a2b1c4d50>")).toBe("<Foo object at <addr>>");
    expect(normaliseObservation("started pid=4242")).toBe("started pid=<pid>");
    expect(normaliseObservation("[1] 31337\nok")).toBe("<pid>\nok");
    expect(normaliseObservation("at 2024-05-01T12:30:00.123Z")).toBe("at <date>");
    expect(normaliseObservation("at 12:30:01 today")).toBe("at <time> today");
    expect(normaliseObservation("\x1b[31mFAILED\x1b[0m  \r\n")).toBe("FAILED");
  });

  it("masks node's test-runner durations (node --test TAP and spec output), not pass/fail lines", () => {
    const tap = (first: string, second: string, total: string, subtracts: "ok" | "not ok") =>
      [
        "TAP version 13",
        "# Subtest: adds",
        "ok 1 - adds",
        "  ---",
        `  duration_ms: ${first}`,
        "  ...",
        "# Subtest: subtracts",
        `${subtracts} 2 - subtracts`,
        "  ---",
        `  duration_ms: ${second}`,
        "  ...",
        "1..2",
        "# tests 2",
        `# pass ${subtracts === "ok" ? 2 : 1}`,
        `# fail ${subtracts === "ok" ? 0 : 1}`,
        `# duration_ms ${total}`,
      ].join("\n");
    const run = (text: string) => observationHash({ observations: [{ content: text }] } as never);
    const a = tap("1.111508", "0.169073", "106.020031", "ok");
    const b = tap("0.914963", "12", "80.07975", "ok");
    expect(run(a)).toBe(run(b));
    expect(normaliseObservation(a)).toContain("  duration_ms: <dur>\n");
    expect(normaliseObservation(a).endsWith("# duration_ms <dur>")).toBe(true);
    expect(run(tap("1.111508", "0.169073", "106.020031", "not ok"))).not.toBe(run(a));
    expect(run(tap("0.9", "0.1", "80", "not ok"))).toBe(run(tap("1.2", "0.3", "95.5", "not ok")));
    // The spec reporter: per-test times carry a unit (rule 5), the summary line does not.
    expect(normaliseObservation("✔ adds (1.128554ms)\nℹ duration_ms 80.640202")).toBe(
      "✔ adds (<dur>)\nℹ duration_ms <dur>",
    );
    expect(normaliseObservation("test_duration_ms: 5")).toBe("test_duration_ms: 5");
  });

  it("keeps what is not volatile", () => {
    for (const text of ["v2s abc123ms", "line 45 of 120", "x = 0x12", "File tmp.py", "45 tests"])
      expect(normaliseObservation(text)).toBe(text);
    expect(normaliseObservation("AssertionError: 1 != 2")).not.toBe(
      normaliseObservation("AssertionError: 1 != 3"),
    );
  });

  it("hashes a step's observations in order", () => {
    const [a] = steps(trajectory("T", "a", [["ls", "x in 0.1s"]], true));
    const [b] = steps(trajectory("T", "b", [["ls", "x in 0.9s"]], true));
    const [c] = steps(trajectory("T", "c", [["ls", "y in 0.9s"]], true));
    expect(observationHash(a as never)).toBe(observationHash(b as never));
    expect(observationHash(a as never)).not.toBe(observationHash(c as never));
  });
});

describe("tree building", () => {
  it("merges identical steps with identical history; every trajectory is one root-to-leaf path", () => {
    const tree = build([
      trajectory("T", "a", ["ls", "cat x", "fix1"], true),
      trajectory("T", "b", ["ls", "cat x", "fix2"], false),
      trajectory("T", "c", ["ls", "grep y", "fix2"], false),
      trajectory("T", "d", ["ls", "cat x", "fix1"], true),
    ]);
    expect(shape(tree)).toEqual([
      "1:ls 2/4 [a,b,c,d]",
      "2:cat x 2/3 [a,b,d]",
      "3:fix1 2/2 [a,d]",
      "3:fix2 0/1 [b]",
      "2:grep y 0/1 [c]",
      "3:fix2 0/1 [c]",
    ]);
    // Identical actions under different histories are different nodes (fix2 twice).
    for (const view of tree.views) {
      const leafs = [...tree.nodes()].filter((n) => n.ends > 0 && n.trajectories.includes(view));
      expect(leafs).toHaveLength(1);
      expect((leafs[0] as TreeNode).depth).toBe(view.length);
    }
    expect(tree.root.visits).toBe(4);
    expect(tree.root.successes).toBe(2);
  });

  it("splits on different observations by default and merges them with merge=action", () => {
    const runs = [
      trajectory("T", "a", [["pytest", "1 failed in 0.2s"], "fix"], true),
      trajectory("T", "b", [["pytest", "1 failed in 0.7s"], "fix"], true),
      trajectory("T", "c", [["pytest", "ImportError"], "fix"], false),
    ];
    expect(shape(build(runs))).toEqual([
      "1:pytest 2/2 [a,b]",
      "2:fix 2/2 [a,b]",
      "1:pytest 0/1 [c]",
      "2:fix 0/1 [c]",
    ]);
    expect(shape(build(runs, "action"))).toEqual(["1:pytest 2/3 [a,b,c]", "2:fix 2/3 [a,b,c]"]);
  });

  it("keeps a trajectory that is a prefix of another as a path ending at an inner node", () => {
    const tree = build([trajectory("T", "a", ["ls", "cat"], true), trajectory("T", "b", ["ls"], false)]);
    expect(shape(tree)).toEqual(["1:ls 1/2 [a,b]", "2:cat 1/1 [a]"]);
    const ls = [...tree.nodes()].find((n) => n.depth === 1) as TreeNode;
    expect(ls.ends).toBe(1);
  });

  it("gives the same nodes, scores and ids whether built lazily or materialised", () => {
    const runs = [
      trajectory("T", "a", ["ls", "cat", "a1", "a2"], true),
      trajectory("T", "b", ["ls", "cat", "b1"], false),
      trajectory("T", "c", ["ls", "cat", "a1", "a2"], false),
    ];
    const lazy = build(runs);
    const ids = [...lazy.nodes()].map((n) => `${n.id}:${n.visits}:${n.successes}`);
    lazy.materialise();
    const full = [...lazy.nodes()].map((n) => `${n.id}:${n.visits}:${n.successes}`);
    expect(full.slice(0, ids.length).every((x) => full.includes(x))).toBe(true);
    expect(ids.every((x) => full.includes(x))).toBe(true);
    // Same input, same ids.
    const again = build(runs);
    again.materialise();
    expect([...again.nodes()].map((n) => n.id)).toEqual([...lazy.nodes()].map((n) => n.id));
  });

  it("keeps different prompts apart under the task root and refuses unscored trajectories", () => {
    const tree = build([
      trajectory("T", "a", ["ls"], true, { prompt: "Fix it." }),
      trajectory("T", "b", ["ls"], false, { prompt: "Fix it, please." }),
    ]);
    expect(tree.root.children).toHaveLength(2);
    expect(() => tree.add(new TrajectoryView(trajectory("T", "c", ["ls"], null), 9))).toThrow(/no outcome/);
  });
});

describe("stuck rule", () => {
  it("finds the same action three times in a row", () => {
    const stuck = steps(trajectory("T", "a", ["ls", "cat", "cat", ["cat", "other output"], "x"], false));
    expect(firstRepeatedAction(stuck, 3)).toBe(3);
    expect(repeatsSameAction(stuck)).toBe(true);
    expect(repeatsSameAction(stuck, 3, { sameObservation: true })).toBe(false);
    expect(repeatsSameAction(steps(trajectory("T", "b", ["cat", "cat", "ls", "cat"], false)))).toBe(false);
    expect(repeatsSameAction(steps(trajectory("T", "c", ["cat", "cat"], false)), 2)).toBe(true);
    expect(() => repeatsSameAction(stuck, 1)).toThrow(RangeError);
  });
});

describe("Wilson interval", () => {
  it("matches known values and widens with fewer visits", () => {
    const [lo, hi] = wilsonInterval(8, 10);
    expect(lo).toBeCloseTo(0.4902, 3);
    expect(hi).toBeCloseTo(0.9433, 3);
    expect(wilsonInterval(0, 0)).toEqual([0, 1]);
    const one = wilsonInterval(1, 1);
    const thirty = wilsonInterval(30, 30);
    expect(one[0]).toBeLessThan(thirty[0]);
    expect(zForConfidence(0.95)).toBeCloseTo(1.959964, 5);
    expect(zForConfidence(0.99)).toBeCloseTo(2.575829, 5);
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
  });
});
