// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's innerText (text as rendered) is what the tests mean to read
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Catalog } from "../src/view/catalog.js";
import { startViewServer, type ViewServer } from "../src/view/server.js";
import { REPO_ROOT, tempDir } from "./helpers/paths.js";
import { FIXTURE_FAILING_TEST, FIXTURE_TASKS, writeFixtureRun } from "./helpers/view-fixture.js";

/**
 * Triage in the browser (issue 16), Debian's chromium via playwright-core: the trajectories
 * page and its filters, the overview's links into it, why a trajectory failed, the stuck steps,
 * keyboard navigation, pairs with their differences marked, and a 10,000-node tree drawn and
 * fitted. Screenshots go to test-output/view/.
 */

const CHROMIUM = "/usr/bin/chromium";
const SHOTS = join(REPO_ROOT, "test-output", "view");

let server: ViewServer;
let context: BrowserContext;
let page: Page;

function poll<T>(fn: () => T | Promise<T>) {
  return expect.poll(fn, { timeout: 15_000 });
}

async function ready(p: Page): Promise<void> {
  await p.waitForFunction(() => document.body.dataset.ready === "1", null, { timeout: 30_000 });
}

async function go(p: Page, hash: string): Promise<void> {
  if (!p.url().startsWith(server.url)) {
    await p.goto(`${server.url}${hash}`);
    return ready(p);
  }
  await p.evaluate((h) => {
    document.body.dataset.ready = "0";
    location.hash = h;
  }, hash);
  await ready(p);
}

async function follow(p: Page, click: () => Promise<void>): Promise<void> {
  await p.evaluate(() => {
    document.body.dataset.ready = "0";
  });
  await click();
  await ready(p);
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}

/**
 * A 10,000-node tree shaped as sampled agents' trees are (a test double of the tree stage's
 * output): trajectories of ~40 steps, each branching off an earlier one at a random depth, so
 * the tree is mostly long single-child chains that meet at branching nodes.
 */
function sampledTree(taskId: string, size = 10_000) {
  let seed = 11;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  type N = {
    id: string;
    parent: string | null;
    kind: string;
    key: string;
    depth: number;
    visits: number;
    successes: number;
    critical: boolean;
    trajectory_ids: string[];
    message?: unknown;
  };
  const nodes: N[] = [
    {
      id: "root",
      parent: null,
      kind: "root",
      key: "root",
      depth: 0,
      visits: 0,
      successes: 0,
      critical: false,
      trajectory_ids: [],
    },
  ];
  const files = ["src/models.py", "src/views.py", "tests/test_models.py", "setup.cfg"];
  const steps = 40;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  let t = 0;
  while (nodes.length < size) {
    const from = t === 0 ? nodes[0]! : nodes[Math.floor(rand() * nodes.length)]!;
    const resolved = rand() < 0.3;
    const id = `traj-${t++}`;
    // Walk up to add this trajectory to the shared prefix.
    for (let n: N | undefined = from; n; n = n.parent === null ? undefined : byId.get(n.parent)) {
      n.visits++;
      if (resolved) n.successes++;
      n.trajectory_ids.push(id);
    }
    let parent = from;
    for (let d = from.depth + 1; d <= steps && nodes.length < size; d++) {
      const file = files[Math.floor(rand() * files.length)]!;
      const args =
        rand() < 0.5
          ? {
              command: "str_replace",
              path: `/repo/${file}`,
              old_str: `x = ${d}`,
              new_str: `x = ${Math.floor(rand() * 100)}`,
            }
          : {
              command: `python -m pytest ${file.startsWith("tests") ? file : "tests"} -k case_${Math.floor(rand() * 50)}`,
            };
      const tool = "path" in args ? "str_replace_editor" : "execute_bash";
      const node: N = {
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
  // Nodes where paths part and outcomes differ most are critical (as the pairs stage would find).
  for (const n of nodes)
    n.critical = n.visits >= 8 && n.successes > 0 && n.successes < n.visits && rand() < 0.2;
  return { schema_version: "sealign.tree/1", task_id: taskId, nodes };
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup-browser.sh`);
  await mkdir(SHOTS, { recursive: true });
  const run = tempDir("sealign-view-triage-browser-");
  await writeFixtureRun(run);
  await mkdir(join(run, "big"), { recursive: true });
  await writeFile(join(run, "big", "tree-10000.json"), JSON.stringify(sampledTree("synthetic-10000")));
  server = await startViewServer(await Catalog.open([run]));
  context = await chromium.launchPersistentContext(tempDir("sealign-chromium-profile-"), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
    ],
    viewport: { width: 1400, height: 900 },
  });
  page = await context.newPage();
  page.on("pageerror", (error) => {
    throw error;
  });
});

afterAll(async () => {
  await context?.close();
  await server?.close();
});

describe("triage in chromium", () => {
  it("overview cards and chart bars open the trajectories page pre-filtered", async () => {
    await go(page, "#/");
    await follow(page, () => page.click('a.card[data-card="failed"]'));
    expect(page.url()).toContain("#/trajectories?outcome=failed");
    await poll(() => page.locator("#traj-count").innerText()).toBe("12 of 21 trajectories");
    expect(await page.locator("#tf-outcome").inputValue()).toBe("failed");
    await go(page, "#/");
    // The stuck bar of the base run (the third bar group, first series).
    const bars = page.locator("svg.chart a.bar-link");
    expect(await bars.count()).toBeGreaterThan(6);
    await follow(page, () =>
      page.locator('svg.chart a.bar-link[href="#/trajectories?run=base-run&stuck=1"]').click(),
    );
    await poll(() => page.locator("#traj-count").innerText()).toMatch(/^3 of 21/);
    // The turns histogram has a y-axis of counts.
    await go(page, "#/");
    expect(await page.locator("svg.chart").nth(2).locator("text.tick").count()).toBeGreaterThan(2);
  });

  it("trajectories page: filters combine, sorting flips, the URL says what is shown", async () => {
    await go(page, "#/trajectories");
    await poll(() => page.locator("#traj-count").innerText()).toBe("21 of 21 trajectories");
    await page.selectOption("#tf-outcome", "failed");
    await page.selectOption("#tf-run", "base-run");
    await poll(() => page.locator("#traj-count").innerText()).toBe("9 of 21 trajectories");
    await page.selectOption("#tf-exit_reason", "stuck");
    await poll(() => page.locator("#traj-count").innerText()).toBe("3 of 21 trajectories");
    expect(page.url()).toMatch(/outcome=failed&exit_reason=stuck&run=base-run/);
    await page.selectOption("#tf-exit_reason", "");
    await page.fill("#tf-q", "python-2");
    await poll(() => page.locator("#traj-count").innerText()).toBe("3 of 21 trajectories");
    await page.click("#tf-clear");
    await poll(() => page.locator("#traj-count").innerText()).toBe("21 of 21 trajectories");
    const tasks = () => page.locator(".all-traj-row[data-id] > span:nth-child(2)").allInnerTexts();
    await page.click('.sort-h[data-sort="task"]');
    await poll(async () => (await tasks())[0]).toBe(FIXTURE_TASKS[0]);
    await page.click('.sort-h[data-sort="task"]');
    await poll(async () => (await tasks())[0]).toBe(FIXTURE_TASKS[2]);
    expect(page.url()).toContain("sort=-task");
    await shot("9-trajectories");
    // An unknown filter value from a URL is an error on the page, not an empty table.
    await go(page, "#/trajectories?outcome=broken");
    expect(await page.locator(".error").innerText()).toMatch(
      /unknown outcome "broken"; known: resolved, failed/,
    );
  });

  it("a failed trajectory says why at the top: exit reason, failing test, test log; gold beside", async () => {
    await go(page, "#/trajectories?outcome=failed&exit_reason=finished&run=base-run&sort=id");
    await page.locator(".all-traj-row[data-id] a").first().waitFor();
    await follow(page, () => page.locator(".all-traj-row[data-id] a").first().click());
    const why = await page.locator("#why").innerText();
    expect(why).toMatch(/Failed · exit reason finished/);
    expect(why).toContain(`1 failing test: ${FIXTURE_FAILING_TEST}`);
    expect(await page.locator("#test-log pre").innerText()).toMatch(/AssertionError: base-run\//);
    expect(await page.locator("#patches .patch").count()).toBe(2);
    // Links to its tree leaf and the pair it lost in.
    await poll(() => page.locator("#traj-links").innerText()).toMatch(/critical nodes on its path/);
    const linkText = await page.locator("#traj-links").innerText();
    expect(linkText).toMatch(
      /^its leaf in the tree · critical nodes on its path: depth \d+ · in 1 pair: rejected at depth \d+$/,
    );
    await shot("10-why-it-failed");
    // n / p step through the list it was opened from.
    const first = page.url();
    await poll(() => page.locator("#neighbours").innerText()).toMatch(/1 of 6/);
    await follow(page, () => page.keyboard.press("n"));
    expect(page.url()).not.toBe(first);
    await poll(() => page.locator("#neighbours").innerText()).toMatch(/2 of 6/);
    await follow(page, () => page.keyboard.press("p"));
    expect(page.url()).toBe(first);
    // Its tree link opens the tree with the leaf selected.
    await follow(page, () => page.click("#traj-links a >> text=its leaf in the tree"));
    await poll(() => page.locator("#node-panel").innerText()).toMatch(/paths through this node/);
    expect(await page.locator(".tree-svg .node.selected").count()).toBe(1);
  });

  it("a stuck loop's repeated steps are marked; j / k move between steps", async () => {
    await go(page, `#/trajectory/${encodeURIComponent(`base-run/${FIXTURE_TASKS[1]}/3`)}`);
    expect(await page.locator("#why").innerText()).toMatch(/stuck: steps 2-5 repeat one action/);
    expect(await page.locator(".msg.assistant.stuck-step").count()).toBe(4);
    expect(await page.locator("#step-strip .chip.stuck-step").count()).toBe(4);
    await page.keyboard.press("j");
    await page.keyboard.press("j");
    expect(await page.locator(".msg.current-step").getAttribute("data-step")).toBe("2");
    await page.keyboard.press("k");
    expect(await page.locator(".msg.current-step").getAttribute("data-step")).toBe("1");
    await shot("11-stuck-steps");
  });

  it("a pair shows chosen and rejected side by side, the differing words marked, both linked", async () => {
    await go(page, "#/pairs");
    await page.locator(".pair-row[data-id] .pv a").first().waitFor();
    await follow(page, () => page.locator(".pair-row[data-id] .pv a").first().click());
    const chosen = await page.locator(".side.chosen mark.wd").allInnerTexts();
    const rejected = await page.locator(".side.rejected mark.wd").allInnerTexts();
    expect(chosen.join(" ")).toMatch(/abs|The comparison/);
    expect(rejected.join(" ")).toMatch(/elem2|Flip/);
    // The shared words are not marked: the path is the same on both sides.
    expect([...chosen, ...rejected].join(" ")).not.toContain("/workspace/main.py");
    expect(await page.locator(".side.chosen .side-trajs a").count()).toBeGreaterThan(0);
    expect(await page.locator(".side.rejected .side-trajs a").count()).toBeGreaterThan(0);
    await shot("12-pair-word-diff");
  });

  it("the fixture tree marks the chosen and rejected children and badges its leaves", async () => {
    await go(page, `#/tree/${FIXTURE_TASKS[0]}`);
    expect(await page.locator('.tree-svg .node[data-role="chosen"]').count()).toBe(1);
    expect(await page.locator('.tree-svg .node[data-role="rejected"]').count()).toBe(1);
    expect(await page.locator('.tree-svg .node[data-leaf="resolved"] .leaf-badge').count()).toBe(1);
    expect(await page.locator('.tree-svg .node[data-leaf="failed"] .leaf-badge').count()).toBe(1);
    const labels = await page.locator(".tree-svg .node[data-role] .nlabel").allTextContents();
    expect(labels[0]).not.toBe(labels[1]);
    for (const label of labels) expect(label).toContain("main.py");
    // Keys: with the tree focused, ← goes to the parent (the critical node).
    await page.click('.tree-svg .node[data-role="chosen"] circle.dot');
    await page.locator(".tree-svg").focus();
    await page.keyboard.press("ArrowLeft");
    await poll(() => page.locator(".tree-svg .node.selected").getAttribute("data-critical")).toBe("1");
    await shot("13-tree-marks");
  });

  it("a 10,000-node tree: chains folded with counts, fit shows all of it, expand all draws every node", async () => {
    const started = Date.now();
    await go(page, "#/tree/synthetic-10000");
    const drawn = await page.locator(".tree-svg .node").count();
    expect(drawn).toBeGreaterThan(1);
    expect(drawn).toBeLessThan(10_000);
    expect(await page.locator(".tree-svg .chain-n").count()).toBeGreaterThan(0);
    expect((await page.locator(".tree-svg .chain-n").first().textContent()) ?? "").toMatch(/^\d+ steps$/);
    const fits = () =>
      page.evaluate(() => {
        const svg = document.querySelector(".tree-svg")!.getBoundingClientRect();
        const layer = (document.querySelector(".tree-layer") as SVGGElement).getBoundingClientRect();
        return (
          layer.left >= svg.left - 1 &&
          layer.right <= svg.right + 1 &&
          layer.top >= svg.top - 1 &&
          layer.bottom <= svg.bottom + 1
        );
      });
    await page.click("#tree-fit");
    expect(await fits()).toBe(true);
    await shot("14-tree-10000-fit");
    await page.click("text=expand all");
    await poll(() => page.locator(".tree-svg .node").count()).toBe(10_000);
    await page.click("#tree-fit");
    expect(await fits()).toBe(true);
    // So far out, labels would be specks: they are hidden until zoomed in.
    expect(await page.locator(".tree-svg.far").count()).toBe(1);
    await shot("15-tree-10000-expanded");
    expect(Date.now() - started).toBeLessThan(120_000);
  });
});
