// A synthetic tree of N nodes (default 10,000) shaped as sampled agents' trees are: trajectories
// of ~40 steps, each branching off an earlier one at a random node, so the tree is long
// single-child chains meeting at branching nodes. For the viewer benchmark's big-tree page.
//   node bench/gen-view-tree.mjs OUT.json [NODES]
import { writeFileSync } from "node:fs";

export function sampledTree(taskId, size = 10_000) {
  let seed = 11;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const root = {
    id: "root",
    parent: null,
    kind: "root",
    key: "root",
    depth: 0,
    visits: 0,
    successes: 0,
    critical: false,
    trajectory_ids: [],
  };
  const nodes = [root];
  const byId = new Map([["root", root]]);
  const files = ["src/models.py", "src/views.py", "tests/test_models.py", "setup.cfg"];
  let t = 0;
  while (nodes.length < size) {
    const from = t === 0 ? root : nodes[Math.floor(rand() * nodes.length)];
    const resolved = rand() < 0.3;
    const id = `traj-${t++}`;
    for (let n = from; n; n = n.parent === null ? undefined : byId.get(n.parent)) {
      n.visits++;
      if (resolved) n.successes++;
      n.trajectory_ids.push(id);
    }
    let parent = from;
    for (let d = from.depth + 1; d <= 40 && nodes.length < size; d++) {
      const file = files[Math.floor(rand() * files.length)];
      const args =
        rand() < 0.5
          ? {
              command: "str_replace",
              path: `/repo/${file}`,
              old_str: `x = ${d}`,
              new_str: `x = ${Math.floor(rand() * 100)}`,
            }
          : { command: `python -m pytest tests -k case_${Math.floor(rand() * 50)}` };
      const tool = "path" in args ? "str_replace_editor" : "execute_bash";
      const node = {
        id: `n${nodes.length}`,
        parent: parent.id,
        kind: "step",
        key: `${tool}(${JSON.stringify(args)})`,
        depth: d,
        visits: 1,
        successes: resolved ? 1 : 0,
        critical: false,
        trajectory_ids: [id],
        message: {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: `c${nodes.length}`,
              type: "function",
              function: { name: tool, arguments: JSON.stringify(args) },
            },
          ],
        },
      };
      nodes.push(node);
      byId.set(node.id, node);
      parent = node;
    }
  }
  for (const n of nodes)
    n.critical = n.visits >= 8 && n.successes > 0 && n.successes < n.visits && rand() < 0.2;
  return { schema_version: "sealign.tree/1", task_id: taskId, nodes };
}

if (process.argv[2]) {
  const size = Number(process.argv[3] ?? 10_000);
  writeFileSync(process.argv[2], JSON.stringify(sampledTree(`synthetic-${size}`, size)));
}
