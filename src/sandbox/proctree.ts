import { readdirSync, readFileSync } from "node:fs";

/** One process in the host's process table. */
interface ProcEntry {
  pid: number;
  ppid: number;
  comm: string;
}

/** Read every process's pid, parent and name from /proc (Linux). */
function processTable(): ProcEntry[] {
  const entries: ProcEntry[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split at the last ")"
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const fields = stat.slice(close + 2).split(" ");
      entries.push({ pid: Number(name), ppid: Number(fields[1]), comm });
    } catch {
      // exited while we were reading
    }
  }
  return entries;
}

/** All descendants of `root` (not `root` itself), parents before children. */
export function descendants(root: number): ProcEntry[] {
  const table = processTable();
  const children = new Map<number, ProcEntry[]>();
  for (const entry of table) {
    const list = children.get(entry.ppid) ?? [];
    list.push(entry);
    children.set(entry.ppid, list);
  }
  const out: ProcEntry[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift() as number;
    for (const child of children.get(pid) ?? []) {
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

/** Send a signal to a list of pids, ignoring ones already gone. */
export function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone
    }
  }
}
