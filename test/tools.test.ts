import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalEnvironment } from "../src/runtime/local.js";
import { ansiCQuote } from "../src/runtime/local-shell.js";
import { BashTool } from "../src/tools/bash.js";
import { EditorTool } from "../src/tools/editor.js";
import { parseToolCall } from "../src/tools/parse.js";
import { CODEACT_TOOLS } from "../src/tools/schemas.js";
import { truncateMiddle } from "../src/tools/truncate.js";
import { tempDir } from "./helpers/paths.js";

const call = (name: string, args: unknown) => ({
  id: "c1",
  type: "function" as const,
  function: { name, arguments: typeof args === "string" ? args : JSON.stringify(args) },
});

describe("tool-call checking", () => {
  it("accepts well-formed calls and explains every kind of malformed one", () => {
    expect(parseToolCall(call("execute_bash", { command: "ls", timeout: 5 }), CODEACT_TOOLS)).toMatchObject({
      ok: true,
    });
    expect(parseToolCall(call("nope", {}), CODEACT_TOOLS)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/Unknown tool "nope"/),
    });
    expect(parseToolCall(call("execute_bash", "{'command': 'ls'}"), CODEACT_TOOLS)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/not valid JSON/),
    });
    expect(parseToolCall(call("execute_bash", "[1]"), CODEACT_TOOLS)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/must be a JSON object/),
    });
    expect(parseToolCall(call("execute_bash", {}), CODEACT_TOOLS)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/Missing required argument "command"/),
    });
    expect(parseToolCall(call("execute_bash", { command: 3 }), CODEACT_TOOLS)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/expected a string/),
    });
    expect(
      parseToolCall(
        call("str_replace_editor", { command: "view", path: "/workspace", view_range: "1,2" }),
        CODEACT_TOOLS,
      ),
    ).toMatchObject({
      ok: false,
      error: expect.stringMatching(/expected an array/),
    });
    expect(
      parseToolCall(call("execute_bash", { command: "ls", is_input: "yes" }), CODEACT_TOOLS),
    ).toMatchObject({ ok: false });
  });

  it("truncates long output in the middle with a marker", () => {
    const text = `${"a".repeat(100)}${"b".repeat(100)}`;
    const cut = truncateMiddle(text, 50);
    expect(cut.startsWith("a".repeat(25))).toBe(true);
    expect(cut.endsWith("b".repeat(25))).toBe(true);
    expect(cut).toContain("[... 150 characters truncated ...]");
    expect(truncateMiddle("short", 50)).toBe("short");
  });

  it("quotes any command as one bash line", () => {
    expect(ansiCQuote("a'b\\c\nd\te")).toBe("$'a\\'b\\\\c\\nd\\x09e'");
  });
});

describe("str_replace_editor", () => {
  let root: string;
  let editor: EditorTool;
  beforeAll(() => {
    root = tempDir("sealign-editor-");
    mkdirSync(join(root, "pkg", "sub", "deep"), { recursive: true });
    writeFileSync(join(root, "a.py"), "one\ntwo\nthree\ntwo\n");
    writeFileSync(join(root, "pkg", "m.py"), "x = 1\n");
    writeFileSync(join(root, "pkg", "sub", "deep", "hidden-by-depth.py"), "");
    writeFileSync(join(root, ".secret"), "");
    symlinkSync("/etc", join(root, "etc"));
    editor = new EditorTool({
      env: new LocalEnvironment({ dir: root, baseCommit: "", removeOnClose: false }),
    });
  });
  const run = (args: Record<string, unknown>) => editor.execute(args);

  it("views files with numbered lines and ranges, and directories two levels deep", async () => {
    expect((await run({ command: "view", path: "/workspace/a.py" })).content).toBe(
      "Here's the result of running `cat -n` on /workspace/a.py:\n     1\tone\n     2\ttwo\n     3\tthree\n     4\ttwo\n",
    );
    expect((await run({ command: "view", path: "/workspace/a.py", view_range: [2, 3] })).content).toContain(
      "     2\ttwo\n     3\tthree\n",
    );
    expect((await run({ command: "view", path: "/workspace/a.py", view_range: [3, -1] })).content).toContain(
      "     3\tthree\n     4\ttwo\n",
    );
    const bad = await run({ command: "view", path: "/workspace/a.py", view_range: [3, 9] });
    expect(bad).toMatchObject({ isError: true, toolError: false });
    expect(bad.content).toMatch(/should be smaller than the number of lines/);
    const dir = (await run({ command: "view", path: "/workspace" })).content;
    expect(dir).toContain("/workspace/pkg/\n/workspace/pkg/m.py\n/workspace/pkg/sub/");
    expect(dir).not.toContain("hidden-by-depth");
    expect(dir).not.toContain(".secret");
    expect((await run({ command: "view", path: "/workspace/missing.py" })).content).toMatch(/does not exist/);
    expect((await run({ command: "view", path: "a.py" })).content).toMatch(/should be an absolute path/);
  });

  it("str_replace needs exactly one occurrence, and says where the others are", async () => {
    const many = await run({ command: "str_replace", path: "/workspace/a.py", old_str: "two", new_str: "2" });
    expect(many.content).toMatch(/Multiple occurrences of old_str `two` in lines \[2,4\]/);
    const none = await run({
      command: "str_replace",
      path: "/workspace/a.py",
      old_str: "four",
      new_str: "4",
    });
    expect(none.content).toMatch(/did not appear verbatim/);
    const ok = await run({
      command: "str_replace",
      path: "/workspace/a.py",
      old_str: "two\nthree",
      new_str: "2\n3",
    });
    expect(ok.isError).toBe(false);
    expect(ok.content).toContain("     2\t2\n     3\t3");
    expect(readFileSync(join(root, "a.py"), "utf8")).toBe("one\n2\n3\ntwo\n");
    await run({ command: "insert", path: "/workspace/a.py", insert_line: 0, new_str: "zero" });
    expect(readFileSync(join(root, "a.py"), "utf8")).toBe("zero\none\n2\n3\ntwo\n");
    expect(
      (await run({ command: "insert", path: "/workspace/a.py", insert_line: 99, new_str: "x" })).content,
    ).toMatch(/\[0, 5\]/);
    await run({ command: "undo_edit", path: "/workspace/a.py" });
    expect(readFileSync(join(root, "a.py"), "utf8")).toBe("one\n2\n3\ntwo\n");
    await run({ command: "undo_edit", path: "/workspace/a.py" });
    expect(readFileSync(join(root, "a.py"), "utf8")).toBe("one\ntwo\nthree\ntwo\n");
    expect((await run({ command: "undo_edit", path: "/workspace/a.py" })).content).toMatch(/No edit history/);
  });

  it("creates new files only, inside the workspace only", async () => {
    expect(
      (await run({ command: "create", path: "/workspace/new/dir/f.txt", file_text: "hi\n" })).content,
    ).toMatch(/File created/);
    expect(readFileSync(join(root, "new", "dir", "f.txt"), "utf8")).toBe("hi\n");
    expect((await run({ command: "create", path: "/workspace/a.py", file_text: "x" })).content).toMatch(
      /already exists/,
    );
    expect((await run({ command: "create", path: "/tmp/x", file_text: "x" })).content).toMatch(
      /Only files under \/workspace/,
    );
    expect((await run({ command: "view", path: "/workspace/etc/passwd" })).content).toMatch(/leads outside/);
    expect((await run({ command: "create", path: "/workspace/etc/new", file_text: "x" })).content).toMatch(
      /leads outside/,
    );
  });
});

describe("execute_bash", () => {
  let bash: BashTool;
  beforeAll(() => {
    bash = new BashTool(new LocalEnvironment({ dir: tempDir("sealign-bash-"), baseCommit: "" }), {
      softTimeoutMs: 700,
      hardTimeoutMs: 20_000,
      maxOutputChars: 400,
    });
  });
  afterAll(async () => {
    await bash.close();
  });

  it("keeps cwd and environment between commands and reports exit codes", async () => {
    await bash.execute({ command: "mkdir -p sub && cd sub && export GREETING=hi" });
    const out = await bash.execute({ command: "pwd; echo $GREETING; (exit 3)" });
    expect(out.content).toBe("/workspace/sub\nhi\n[The command completed with exit code 3.]");
    expect(out).toMatchObject({ isError: true, exitCode: 3 });
  });

  it("returns partial output at the soft time-out, then waits, takes input, and interrupts", async () => {
    const first = await bash.execute({ command: "echo start; read name; echo hello $name; sleep 30" });
    expect(first.content).toMatch(/^start\n\[The command has no new output after 1 seconds/);
    const refused = await bash.execute({ command: "ls" });
    expect(refused.content).toMatch(/is NOT executed/);
    const answered = await bash.execute({ command: "world", is_input: "true" });
    expect(answered.content).toMatch(/^hello world\n/);
    const stopped = await bash.execute({ command: "C-c", is_input: "true" });
    expect(stopped.content).toMatch(/exit code 130/);
    expect((await bash.execute({ command: "echo fine" })).content).toContain("fine");
  });

  it("truncates long output in the middle and restarts a shell that exited", async () => {
    const long = await bash.execute({ command: "seq 1 5000" });
    expect(long.content).toMatch(/^1\n2\n3\n/);
    expect(long.content).toMatch(/characters truncated/);
    expect(long.content).toMatch(/5000\n\[The command completed with exit code 0.\]$/);
    const exited = await bash.execute({ command: "exit 4" });
    expect(exited.content).toMatch(/shell exited/);
    const again = await bash.execute({ command: "pwd" });
    expect(again.content).toMatch(/A new shell was started/);
    expect(again.content).toContain("/workspace\n");
  });
});
