// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's innerText (text as rendered) is what the tests mean to read
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Catalog } from "../src/view/catalog.js";
import { startViewServer, type ViewServer } from "../src/view/server.js";
import { CLI, REPO_ROOT, tempDir } from "./helpers/paths.js";
import { getApi } from "./helpers/view-api.js";
import { FIXTURE_TASKS, writeFixtureRun } from "./helpers/view-fixture.js";

/**
 * Browser tests: Debian's chromium (installed by scripts/setup-browser.sh) driven by
 * playwright-core opens every page of the viewer on the hand-made fixture run and clicks
 * through overview -> task -> trajectory -> tree -> critical node -> pair. Screenshots go to
 * test-output/view/.
 */

const CHROMIUM = "/usr/bin/chromium";
const SHOTS = join(REPO_ROOT, "test-output", "view");

let run: string;
let server: ViewServer;
let context: BrowserContext;
let page: Page;

/** expect.poll with room for a busy CI machine (debounced inputs, fetches). */
function poll<T>(fn: () => T | Promise<T>) {
  return expect.poll(fn, { timeout: 10_000 });
}

async function ready(p: Page): Promise<void> {
  await p.waitForFunction(() => document.body.dataset.ready === "1");
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

/**
 * Click a link to another page and wait until that page has rendered. The ready flag is reset
 * first (as `go` does): the route sets it to "0" only once the hash change reaches it, so a
 * plain click then `ready()` could still see the previous page's "1".
 */
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

/** A synthetic 500-node tree record (a test double of the tree stage's output). */
function bigTree(taskId: string, size = 500) {
  const nodes = [
    {
      id: "root",
      parent: null as string | null,
      key: "root",
      visits: 250,
      successes: 100,
      depth: 0,
      critical: true,
      trajectory_ids: [] as string[],
    },
  ];
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let i = 1; i < size; i++) {
    const parent = nodes[Math.floor(rand() * Math.min(i, 120))]!;
    const visits = Math.max(1, Math.floor(parent.visits * (0.2 + 0.5 * rand())));
    nodes.push({
      id: `n${i}`,
      parent: parent.id,
      key: `execute_bash({"command":"step ${i}"})`,
      visits,
      successes: Math.floor(visits * rand()),
      depth: parent.depth + 1,
      critical: rand() < 0.05,
      trajectory_ids: [],
    });
  }
  return { schema_version: "sealign.tree/1", task_id: taskId, nodes };
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: run scripts/setup-browser.sh (as root it installs Debian's chromium)`,
    );
  }
  await mkdir(SHOTS, { recursive: true });
  run = tempDir("sealign-view-browser-");
  await writeFixtureRun(run);
  await mkdir(join(run, "big"), { recursive: true });
  await writeFile(join(run, "big", "tree.json"), JSON.stringify(bigTree("synthetic-500")));
  await writeFile(join(run, "big", "tree-1500.json"), JSON.stringify(bigTree("synthetic-1500", 1500)));
  server = await startViewServer(await Catalog.open([run]));
  context = await chromium.launchPersistentContext(tempDir("sealign-chromium-profile-"), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
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

describe("viewer in chromium", () => {
  it("overview: totals, runs side by side, charts, task list", async () => {
    await page.goto(server.url);
    await ready(page);
    const totals = await page.locator("#totals").innerText();
    expect(totals).toContain("21"); // trajectories
    expect(totals).toMatch(/42\.9%/); // 9 of 21 resolved
    expect(totals).toMatch(/14\.3%/); // 3 of 21 empty patch, 3 stuck
    await poll(() => page.locator("#runs tbody tr").count()).toBe(2);
    const runs = await page.locator("#runs").innerText();
    expect(runs).toContain("base-run");
    expect(runs).toContain("aligned-run");
    expect(runs).toMatch(/aligned-run\s+sealign-7b\s+9\s+3\s+66\.7%/);
    expect(await page.locator("svg.chart").count()).toBe(3);
    await page.locator(".task-row[data-task]").first().waitFor();
    // The three HumanEvalFix tasks and the synthetic trees' two tasks.
    expect(await page.locator(".task-row[data-task]").count()).toBe(5);
    expect(await page.locator(".reports details").count()).toBe(1);
    // eval's charts, as images that loaded.
    await expect
      .poll(() =>
        page
          .locator(".eval-charts img")
          .evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth > 0)),
      )
      .toEqual([true, true]);
    await shot("1-overview");
  });

  it("overview: the task filter narrows the list", async () => {
    await page.fill("#task-filter", "python-2");
    await poll(() => page.locator(".task-row[data-task]").count()).toBe(1);
    await page.fill("#task-filter", "");
    await poll(() => page.locator(".task-row[data-task]").count()).toBe(5);
  });

  it("task -> trajectory: conversation, folded observations, highlighted diff, outcome", async () => {
    await follow(page, () => page.click(`.task-row[data-task="${FIXTURE_TASKS[0]}"] a`));
    await page.locator(".traj-row[data-id]").first().waitFor();
    expect(await page.locator(".traj-row[data-id]").count()).toBe(7);
    await page.selectOption("#outcome-filter", "resolved");
    await poll(() => page.locator(".traj-row[data-id]").count()).toBe(3);
    await shot("2-task");
    await follow(page, () => page.click(`.traj-row[data-id="aligned-run/${FIXTURE_TASKS[0]}/1"] a`));
    const facts = await page.locator("#facts").innerText();
    expect(facts).toMatch(/resolved/);
    expect(facts).toMatch(/finished/);
    expect(facts).toContain("sealign-7b");
    expect(await page.locator(".msg.assistant").count()).toBe(5);
    expect(await page.locator("#step-strip .chip").allInnerTexts()).toEqual([
      "1 str_replace_editor",
      "2 execute_bash",
      "3 str_replace_editor",
      "4 execute_bash",
      "5 finish",
    ]);
    expect(await page.locator(".call-name").allInnerTexts()).toEqual([
      "⚙ str_replace_editor",
      "⚙ execute_bash",
      "⚙ str_replace_editor",
      "⚙ execute_bash",
      "⚙ finish",
    ]);
    // The viewed file is a long observation: folded, and unfolds on click.
    const fold = page.locator(".msg.tool details.fold").first();
    expect(await fold.getAttribute("open")).toBeNull();
    await fold.locator("summary").click();
    expect(await fold.getAttribute("open")).not.toBeNull();
    // The model's patch, beside the gold patch from the task file (both the right fix here).
    expect(await page.locator("#patches .patch.model .diff .dl.add").innerText()).toContain(
      "distance = abs(elem - elem2)",
    );
    expect(await page.locator("#patches .patch.gold .diff .dl.add").innerText()).toContain(
      "distance = abs(elem - elem2)",
    );
    expect(await page.locator(".diff .dl.del .tok-kw").count()).toBeGreaterThanOrEqual(0);
    expect(await page.locator(".diff .tok-kw").count()).toBeGreaterThan(0);
    await shot("3-trajectory");
  });

  it("a stuck trajectory shows its exit reason and the empty patch", async () => {
    await go(page, `#/trajectory/${encodeURIComponent(`base-run/${FIXTURE_TASKS[1]}/3`)}`);
    expect(await page.locator("#facts").innerText()).toMatch(/stuck in loop\s+yes/);
    expect(await page.locator(".page").innerText()).toContain("empty patch: no file changed");
  });

  it("tree -> critical node -> pair side by side", async () => {
    await go(page, `#/task/${FIXTURE_TASKS[0]}`);
    await follow(page, () => page.click("text=trajectory tree"));
    const nodes = page.locator(".tree-svg .node");
    // root, prompt, 2 shared steps, then fix / wrong fix: 3 steps each (the stuck run is filtered out)
    expect(await nodes.count()).toBe(10);
    expect(await page.locator('.tree-svg .node[data-critical="1"]').count()).toBe(1);
    await shot("4-tree");
    // Zoom changes the transform; panning moves it.
    const layer = page.locator(".tree-layer");
    const before = await layer.getAttribute("transform");
    await page.locator(".tree-svg").hover();
    await page.mouse.wheel(0, -300);
    await poll(() => layer.getAttribute("transform")).not.toBe(before);
    const scale = (t: string | null) => Number(/scale\(([\d.]+)\)/.exec(t ?? "")?.[1]);
    expect(scale(await layer.getAttribute("transform"))).toBeGreaterThan(scale(before) * 1.1);
    await page.click("text=fit");
    expect(scale(await layer.getAttribute("transform"))).toBeCloseTo(scale(before), 2);
    // Clicking a plain node shows its action and the paths through it.
    await page.locator('.tree-svg .node[data-critical="0"] circle.dot').nth(1).click();
    // The panel fills once the node's details arrive from /api/tree-node.
    await poll(() => page.locator("#node-panel").innerText()).toMatch(/paths through this node/);
    // Clicking the critical node shows its pair: shared prefix, chosen vs rejected.
    await page.click('.tree-svg .node[data-critical="1"] circle:not(.crit-ring)');
    await page.locator("#pair-inline .pair-view").waitFor();
    const panel = await page.locator("#node-panel").innerText();
    expect(panel).toMatch(/critical node/);
    expect(panel).toMatch(/1 critical pair decided here/);
    expect(await page.locator("#pair-inline .side.chosen").innerText()).toContain("abs(elem - elem2)");
    expect(await page.locator("#pair-inline .side.rejected").innerText()).toMatch(
      /elem2 - elem|python3 main\.py/,
    );
    expect(await page.locator("#pair-inline details.prefix > summary").innerText()).toMatch(
      /shared prefix: 6 messages, 2 actions/,
    );
    await shot("5-tree-critical-pair");
    // Collapse the critical node's subtree: its descendants disappear and a +N badge shows.
    await page.click("#node-panel .collapse-btn");
    await poll(() => nodes.count()).toBe(4);
    expect(await page.locator(".tree-svg .nmore").textContent()).toBe("+6");
  });

  it("pairs page: search and filters, then a pair side by side", async () => {
    await go(page, "#/pairs");
    await page.locator(".pair-row[data-id]").first().waitFor();
    expect(await page.locator(".pair-row[data-id]").count()).toBe(3);
    await page.fill("#pair-q", "abs(elem");
    await poll(() => page.locator(".pair-row[data-id]").count()).toBe(1);
    await page.fill("#pair-q", "");
    await page.fill("#pair-task", "python-1");
    await poll(() => page.locator("#pair-count").innerText()).toBe("0 of 3 pairs");
    await page.fill("#pair-task", "humanevalfix-python-1");
    await poll(() => page.locator("#pair-count").innerText()).toBe("1 of 3 pairs");
    await page.fill("#pair-task", "");
    await page.selectOption("#pair-tool", "str_replace_editor");
    await page.fill("#pair-gap", "0.9");
    await poll(() => page.locator("#pair-count").innerText()).toBe("3 of 3 pairs");
    await page.fill("#pair-depth", "3");
    await poll(() => page.locator("#pair-count").innerText()).toBe("0 of 3 pairs");
    await page.fill("#pair-depth", "");
    await poll(() => page.locator(".pair-row[data-id]").count()).toBe(3);
    await shot("6-pairs");
    await follow(page, () => page.locator(".pair-row[data-id] .pv a").first().click());
    expect(await page.locator(".sides .side").count()).toBe(2);
    expect(await page.locator(".side.chosen h3").innerText()).toMatch(/score 1\.00/i);
    await shot("7-pair");
  });

  it("a 500-node tree draws every node and stays usable", async () => {
    await go(page, "#/tree/synthetic-500");
    // Chains of single-child steps are folded above 100 nodes; "show every step" draws them all.
    await page.click("#tree-chains");
    expect(await page.locator(".tree-svg .node").count()).toBe(500);
    await page.click('.tree-svg .node[data-id="root"]');
    await poll(() => page.locator("#node-panel").innerText()).toMatch(/visits\s+250/);
    await shot("8-tree-500");
  });

  it("a 1,500-node tree opens with single-trajectory tails folded; expand all draws every node", async () => {
    await go(page, "#/tree/synthetic-1500");
    const drawn = await page.locator(".tree-svg .node").count();
    expect(drawn).toBeLessThan(1500);
    expect(drawn).toBeGreaterThan(1);
    expect(await page.locator(".tree-svg .nmore").count()).toBeGreaterThan(0);
    await page.click("text=expand all");
    await poll(() => page.locator(".tree-svg .node").count()).toBe(1500);
  });

  it("the client renders garbage safely: malformed arguments, markup in content, odd parts", async () => {
    await go(page, "#/");
    // A string, not a function: vitest would rewrite a function's import() for Node.
    const script = String.raw`(async () => {
      const conv = await import("/static/conversation.js");
      const diff = await import("/static/diff.js");
      const dom = await import("/static/dom.js");
      const el = conv.renderConversation([
        {
          role: "user",
          content: [{ type: "text", text: "<script>window.pwned = 1</script>hi" }, { type: "image_url" }],
        },
        {
          role: "assistant",
          content: null,
          reasoning_content: "thinking <b>hard</b>",
          tool_calls: [
            { id: "c1", type: "function", function: { name: "execute_bash", arguments: '{"command": "ls' } },
          ],
        },
        { role: "tool", tool_call_id: "c1", content: null },
        { role: "assistant", content: "" },
      ]);
      document.body.append(el);
      const js = diff.renderDiff(
        "diff --git a/x.js b/x.js\n--- a/x.js\n+++ b/x.js\n@@ -1 +1 @@\n-var a = 1;\n+const a = 2; // two\n",
      );
      const txt = diff.renderDiff("diff --git a/notes.txt b/notes.txt\n+const a = 2;\n");
      const out = {
        text: el.innerText,
        scripts: el.querySelectorAll("script, b").length,
        pwned: "pwned" in window,
        warn: el.querySelector(".call .warn")?.textContent,
        kw: [...js.querySelectorAll(".tok-kw")].map((x) => x.textContent),
        com: js.querySelector(".tok-com")?.textContent,
        plainTokens: txt.querySelectorAll("[class^=tok-]").length,
        contrast: dom.contrast(
          'edit {"path":"/a/b/c/d/e/f/g/h","new":"x = 1"}',
          'edit {"path":"/a/b/c/d/e/f/g/h","new":"x = 2"}',
        ),
      };
      el.remove();
      return out;
    })()`;
    const result = (await page.evaluate(script)) as {
      text: string;
      scripts: number;
      pwned: boolean;
      warn: string | undefined;
      kw: string[];
      com: string | undefined;
      plainTokens: number;
      contrast: [string, string];
    };
    expect(result.scripts).toBe(0);
    expect(result.pwned).toBe(false);
    expect(result.text).toContain("<script>window.pwned = 1</script>hi");
    expect(result.text).toContain("thinking <b>hard</b>");
    expect(result.warn).toBe("arguments are not a JSON object:");
    expect(result.text).toContain('{"command": "ls');
    expect(result.text).toContain("(empty message)");
    expect(result.kw).toEqual(["var", "const"]);
    expect(result.com).toBe("// two");
    expect(result.plainTokens).toBe(0);
    expect(result.contrast[0]).toMatch(/^edit …/);
    expect(result.contrast[0].endsWith('x = 1"}')).toBe(true);
  });

  it("unknown ids and routes show an error, not a blank page", async () => {
    await go(page, "#/trajectory/nope");
    expect(await page.locator(".error").innerText()).toContain("no trajectory nope");
    await go(page, "#/nowhere");
    expect(await page.locator(".error").innerText()).toContain("no page");
  });
});

describe("sealign view (CLI)", () => {
  it("serves a run folder on 127.0.0.1 and stops on SIGTERM; bad input exits 2", async () => {
    const child = spawn(process.execPath, [CLI, "view", run, "--port", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
        if (out.includes("\n")) resolve(out.trim());
      });
      child.on("exit", (code) => reject(new Error(`exited ${code}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const overview = await getApi(url, "overview");
    expect(overview.total.trajectories).toBe(21);
    child.kill("SIGTERM");
    expect(await new Promise((resolve) => child.on("exit", resolve))).toBe(0);

    const bad = spawn(process.execPath, [CLI, "view", join(run, "missing")], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    bad.stderr.on("data", (d) => {
      err += d;
    });
    expect(await new Promise((resolve) => bad.on("exit", resolve))).toBe(2);
    expect(err).toMatch(/missing: no such file or folder/);

    // A port already taken (the test server's) is bad input too, with a way out.
    const busy = spawn(process.execPath, [CLI, "view", run, "--port", String(server.port)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let busyErr = "";
    busy.stderr.on("data", (d) => {
      busyErr += d;
    });
    expect(await new Promise((resolve) => busy.on("exit", resolve))).toBe(2);
    expect(busyErr).toContain(`port ${server.port} is in use`);
  });
});
