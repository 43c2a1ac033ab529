/**
 * The viewer's HTTP API, one response type per endpoint (`GET /api/<name>` answers `ViewApi[name]`
 * as JSON). The server's handlers are typed against this map, and the web client (web/view/, plain
 * ES modules checked with checkJs) imports these types through JSDoc, so the two cannot drift.
 */
import type { Pair } from "../schema/pair.js";
import type { AssistantMessage, Message, TestReport, ToolCall, Trajectory } from "../schema/trajectory.js";
import type { Overview, Page, RunStats, TaskRow } from "./queries.js";
import type { PairSummary, TrajectorySummary } from "./summaries.js";
import type { TestLog } from "./trajectory-detail.js";
import type { TrajectoryLinks } from "./trajectory-links.js";
import type { TrajectoryRow, TrajectoryTable } from "./trajectory-query.js";
import type { DrawnNodeExtras } from "./tree-labels.js";
import type { ViewTree, ViewTreeNode } from "./trees.js";

export type {
  AssistantMessage,
  Message,
  Overview,
  Page,
  Pair,
  PairSummary,
  RunStats,
  TaskRow,
  TestLog,
  TestReport,
  ToolCall,
  Trajectory,
  TrajectoryLinks,
  TrajectoryRow,
  TrajectorySummary,
  TrajectoryTable,
  ViewTree,
  ViewTreeNode,
};

/** `/api/overview`: the overview plus the version of sealign serving it. */
export interface OverviewResponse extends Overview {
  version: string;
}

/** `/api/trajectory-neighbours`: where a trajectory sits in a filtered, sorted list. */
export interface TrajectoryNeighbours {
  /** Its position in the list, -1 when the filters leave it out. */
  index: number;
  total: number;
  previous: string | null;
  next: string | null;
}

/** `/api/trajectory`: one trajectory with why it failed, for the top of its page. */
export interface TrajectoryDetail {
  summary: TrajectorySummary;
  trajectory: Trajectory;
  /** Indexes of assistant messages that repeat an earlier step. */
  stuck_steps: number[];
  failing_tests: { FAIL_TO_PASS: string[]; PASS_TO_PASS: string[] };
  /** The end of the validation test log, a reason it could not be read, or null without one. */
  test_log: TestLog | { error: string } | null;
  gold_patch: string | null;
}

/** `/api/pairs`: a page of pair summaries and every tool the listed pairs use. */
export type PairPage = Page<PairSummary> & { tools: string[] };

/** A node as `/api/tree` draws it: no message or observation (those come with /api/tree-node). */
export type DrawnTreeNode = Omit<ViewTreeNode, "message" | "observation_preview"> & Partial<DrawnNodeExtras>;

/** `/api/tree`: a task's tree, drawn. */
export interface DrawnTree extends Omit<ViewTree, "nodes"> {
  nodes: DrawnTreeNode[];
}

/** Every JSON endpoint under /api/ and its answer (`/api/chart` answers SVG and is not listed). */
export interface ViewApi {
  overview: OverviewResponse;
  tasks: Page<TaskRow>;
  trajectories: TrajectoryTable;
  "trajectory-neighbours": TrajectoryNeighbours;
  "trajectory-links": TrajectoryLinks;
  trajectory: TrajectoryDetail;
  pairs: PairPage;
  pair: Pair;
  tree: DrawnTree;
  "tree-node": ViewTreeNode;
  /** A report file as it was written (any JSON). */
  report: unknown;
}

export type ViewApiName = keyof ViewApi;

/** What every endpoint answers with a 4xx or 5xx status. */
export interface ViewApiError {
  error: string;
}
