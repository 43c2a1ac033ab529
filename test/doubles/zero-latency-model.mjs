// Plain JavaScript (not TypeScript like the other doubles): the benchmarks run on dist/ with
// node alone, which cannot import a .ts file.

/**
 * TEST DOUBLE (not product code), for bench/collect.bench.mjs: a model that answers instantly
 * from a fixed script of eight varied actions (shell, editor view/str_replace, think, finish), so
 * that only the runtime's own cost is measured.
 */
export class ZeroLatencyScriptedModel {
  name = "testdouble:zero-latency";
  /**
   * @param {unknown} _request
   * @param {{turn: number}} context
   */
  async complete(_request, context) {
    /**
     * @param {string} name
     * @param {Record<string, unknown>} args
     */
    const call = (name, args) => ({
      role: "assistant",
      content: null,
      tool_calls: [
        { id: `c${context.turn}`, type: "function", function: { name, arguments: JSON.stringify(args) } },
      ],
    });
    const script = [
      () => call("execute_bash", { command: "echo step1" }),
      () => call("str_replace_editor", { command: "view", path: "/workspace/main.py" }),
      () => call("execute_bash", { command: "ls -la /workspace" }),
      () => call("think", { thought: "the bug is somewhere in main.py" }),
      () =>
        call("str_replace_editor", {
          command: "str_replace",
          path: "/workspace/main.py",
          old_str: "def ",
          new_str: "def  ",
        }),
      () => call("execute_bash", { command: "git status --short" }),
      () => call("str_replace_editor", { command: "view", path: "/workspace/main.py", view_range: [1, 5] }),
      () => call("finish", { message: "done" }),
    ];
    return { message: (script[context.turn] ?? script[7])() };
  }
}
