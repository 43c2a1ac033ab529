import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { SEALIGN_VERSION } from "../version.js";
import type { DrawnTree, ViewApi, ViewApiName } from "./api-types.js";
import type { Catalog } from "./catalog.js";
import { viewOverview, viewPairs, viewTasks, viewTrajectories } from "./queries.js";
import { failingTests, readTestLog, stuckSteps } from "./trajectory-detail.js";
import { trajectoryLinks } from "./trajectory-links.js";
import {
  KNOWN_EXIT_REASONS,
  OUTCOMES,
  parseChoices,
  parseFlag,
  parseSort,
  QueryError,
  type TrajectoryQuery,
  trajectoryNeighbours,
} from "./trajectory-query.js";
import { drawnExtras } from "./tree-labels.js";

/** The web app's static files (plain ES modules and CSS; no build step, nothing from a CDN). */
export const CLIENT_DIR = fileURLToPath(new URL("../../web/view/", import.meta.url));

/** The viewer only ever listens on the loopback interface. */
export const VIEW_HOST = "127.0.0.1";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function intParam(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new HttpError(400, `query parameter ${name} is not a number: ${raw}`);
  return value;
}

function strParam(params: URLSearchParams, name: string): string | undefined {
  const raw = params.get(name);
  return raw === null || raw === "" ? undefined : raw;
}

function required(params: URLSearchParams, name: string): string {
  const value = strParam(params, name);
  if (value === undefined) throw new HttpError(400, `missing query parameter ${name}`);
  return value;
}

function nodePathParam(params: URLSearchParams): string[] | undefined {
  const raw = strParam(params, "node_path");
  if (raw === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value;
  } catch {
    // answered below
  }
  throw new HttpError(400, "node_path must be a JSON list of strings");
}

function trajectoryQuery(params: URLSearchParams): TrajectoryQuery {
  return {
    task: strParam(params, "task"),
    run: strParam(params, "run"),
    model: strParam(params, "model"),
    outcome: parseChoices(strParam(params, "outcome"), "outcome", OUTCOMES),
    resolved: strParam(params, "resolved"),
    exitReason: parseChoices(strParam(params, "exit_reason"), "exit_reason", KNOWN_EXIT_REASONS),
    emptyPatch: parseFlag(strParam(params, "empty_patch") ?? strParam(params, "empty"), "empty_patch"),
    toolErrors: parseFlag(strParam(params, "tool_errors"), "tool_errors"),
    stuck: parseFlag(strParam(params, "stuck"), "stuck"),
    minTurns: intParam(params, "min_turns"),
    maxTurns: intParam(params, "max_turns"),
    minTokens: intParam(params, "min_tokens"),
    maxTokens: intParam(params, "max_tokens"),
    q: strParam(params, "q"),
    ...parseSort(strParam(params, "sort")),
    offset: intParam(params, "offset"),
    limit: intParam(params, "limit"),
  };
}

/** The drawn form of each tree the catalog has cached (dropped with it). */
const drawnTrees = new WeakMap<object, DrawnTree>();

type Handler<N extends ViewApiName> = (
  catalog: Catalog,
  params: URLSearchParams,
) => ViewApi[N] | Promise<ViewApi[N]>;

/**
 * One handler per endpoint of ViewApi (api-types.ts): the map's type makes each handler answer
 * the type the web client reads, and an endpoint listed there without a handler does not compile.
 */
const handlers: { [N in ViewApiName]: Handler<N> } = {
  overview: (catalog) => ({ version: SEALIGN_VERSION, ...viewOverview(catalog) }),
  tasks: (catalog, params) =>
    viewTasks(catalog, {
      q: strParam(params, "q"),
      sort: strParam(params, "sort") as "task" | undefined,
      offset: intParam(params, "offset"),
      limit: intParam(params, "limit"),
    }),
  trajectories: (catalog, params) => viewTrajectories(catalog, trajectoryQuery(params)),
  // Previous / next trajectory in the list the page was opened from (same filters and sort).
  "trajectory-neighbours": (catalog, params) =>
    trajectoryNeighbours(catalog.trajectories, trajectoryQuery(params), required(params, "id")),
  "trajectory-links": (catalog, params) => {
    const id = required(params, "id");
    const summary = catalog.trajectorySummary(id);
    if (!summary) throw new HttpError(404, `no trajectory ${id}`);
    return trajectoryLinks(catalog, summary.task_id, id);
  },
  trajectory: async (catalog, params) => {
    const id = required(params, "id");
    const trajectory = await catalog.trajectory(id);
    const summary = catalog.trajectorySummary(id);
    if (!trajectory || !summary) throw new HttpError(404, `no trajectory ${id}`);
    // Why it failed, at the top of the page: failing tests, the test log, the repeated steps.
    const report = trajectory.outcome.report;
    const file = catalog.trajectoryFile(id)!;
    return {
      summary,
      trajectory,
      stuck_steps: stuckSteps(trajectory),
      failing_tests: failingTests(trajectory),
      test_log: report?.log_path ? await readTestLog(file, report.log_path) : null,
      gold_patch: await catalog.goldPatch(trajectory.task_id),
    };
  },
  pairs: (catalog, params) => {
    // A task whose tree the viewer built (no tree file) lists that tree's pairs, unless pair
    // files have some for it.
    const task = strParam(params, "task");
    const built = task === undefined ? undefined : catalog.builtPairSummaries(task);
    const from = built && !catalog.pairs.some((p) => p.task_id === task) ? built : catalog.pairs;
    return viewPairs(
      catalog,
      {
        task,
        minGap: intParam(params, "min_gap"),
        maxGap: intParam(params, "max_gap"),
        depth: intParam(params, "depth"),
        tool: strParam(params, "tool"),
        kind: strParam(params, "kind"),
        nodePath: nodePathParam(params),
        node: strParam(params, "node"),
        side: strParam(params, "side"),
        q: strParam(params, "q"),
        sort: strParam(params, "sort") as "gap" | undefined,
        offset: intParam(params, "offset"),
        limit: intParam(params, "limit"),
      },
      from,
    );
  },
  pair: async (catalog, params) => {
    const id = required(params, "id");
    const pair = await catalog.anyPair(id);
    if (!pair) throw new HttpError(404, `no pair ${id}`);
    return pair;
  },
  tree: async (catalog, params) => {
    // The drawing needs no messages: they come with /api/tree-node when a node is opened.
    const task = required(params, "task");
    const tree = await catalog.tree(task);
    if (!tree) throw new HttpError(404, `no tree for task ${task}`);
    // Labels and marks cost a pass over every node: kept while the catalog keeps the tree.
    const drawn = drawnTrees.get(tree);
    if (drawn) return drawn;
    const pairs = catalog.pairs.some((p) => p.task_id === task)
      ? catalog.pairs.filter((p) => p.task_id === task)
      : (catalog.builtPairSummaries(task) ?? []);
    const extras = drawnExtras(tree.nodes, pairs, (id) => catalog.trajectorySummary(id));
    const body: DrawnTree = {
      ...tree,
      nodes: tree.nodes.map(({ message: _m, observation_preview: _o, ...node }) => ({
        ...node,
        ...extras.get(node.id),
      })),
    };
    drawnTrees.set(tree, body);
    return body;
  },
  "tree-node": async (catalog, params) => {
    const task = required(params, "task");
    const id = required(params, "node");
    const node = (await catalog.tree(task))?.nodes.find((n) => n.id === id);
    if (!node) throw new HttpError(404, `no node ${id} in the tree of ${task}`);
    return node;
  },
  report: async (catalog, params) => {
    const index = intParam(params, "index");
    const report = index === undefined ? undefined : await catalog.report(index);
    if (report === undefined) throw new HttpError(404, "no such report");
    return report;
  },
};

function isApiName(name: string): name is ViewApiName {
  return Object.hasOwn(handlers, name);
}

async function api(catalog: Catalog, path: string, params: URLSearchParams): Promise<unknown> {
  const name = path.slice("/api/".length);
  if (!isApiName(name)) throw new HttpError(404, `no API ${path}`);
  return handlers[name](catalog, params);
}

async function staticFile(path: string): Promise<{ body: Buffer; type: string }> {
  const name = path === "/" ? "index.html" : path.replace(/^\/static\//, "");
  const file = normalize(join(CLIENT_DIR, name));
  if (!file.startsWith(CLIENT_DIR) || !(path === "/" || path.startsWith("/static/"))) {
    throw new HttpError(404, `not found: ${path}`);
  }
  const type = TYPES[extname(file)];
  if (!type) throw new HttpError(404, `not found: ${path}`);
  try {
    return { body: await readFile(file), type };
  } catch {
    throw new HttpError(404, `not found: ${path}`);
  }
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, {
    "content-type": type,
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    // Everything is served from here: no CDN, no inline script, no outside request.
    "content-security-policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
  });
  res.end(body);
}

async function handle(catalog: Catalog, port: () => number, req: IncomingMessage, res: ServerResponse) {
  try {
    if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, "the viewer is read-only");
    // A page elsewhere cannot reach the viewer through DNS rebinding: only local host names.
    const host = (req.headers.host ?? "").replace(/:\d+$/, "");
    if (host !== VIEW_HOST && host !== "localhost") throw new HttpError(403, `unexpected Host ${host}`);
    const url = new URL(req.url ?? "/", `http://${VIEW_HOST}:${port()}`);
    if (url.pathname === "/api/chart") {
      const index = intParam(url.searchParams, "index");
      const chart = index === undefined ? undefined : await catalog.chart(index);
      if (!chart) throw new HttpError(404, "no such chart");
      // Shown through <img> only, where an SVG cannot run script; the CSP forbids it anyway.
      send(res, 200, "image/svg+xml", chart);
    } else if (url.pathname.startsWith("/api/")) {
      const body = await api(catalog, url.pathname, url.searchParams);
      send(res, 200, "application/json; charset=utf-8", JSON.stringify(body));
    } else {
      const { body, type } = await staticFile(url.pathname);
      send(res, 200, type, body);
    }
  } catch (error) {
    // A query the API cannot answer (an unknown filter value) is the client's mistake: 400.
    const status = error instanceof HttpError ? error.status : error instanceof QueryError ? 400 : 500;
    send(res, status, "application/json; charset=utf-8", JSON.stringify({ error: (error as Error).message }));
  }
}

export interface ViewServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** Serve the catalog on 127.0.0.1 (port 0 = any free port). Read-only: only GET and HEAD. */
export async function startViewServer(
  catalog: Catalog,
  options: { port?: number } = {},
): Promise<ViewServer> {
  let port = options.port ?? 0;
  const server = createServer((req, res) => void handle(catalog, () => port, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, VIEW_HOST, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${VIEW_HOST}:${port}/`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
