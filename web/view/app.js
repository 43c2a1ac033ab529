// The viewer's entry point: a hash router that renders one page at a time into #app. Each page
// is its own module (overview.js, trajectories.js, task.js, trajectory.js, tree-page.js,
// pairs.js, pair.js) and answers a DOM element for the route's parameters.
import { h } from "./dom.js";
import { overviewPage } from "./overview.js";
import { pairPage } from "./pair.js";
import { pairsPage } from "./pairs.js";
import { taskPage } from "./task.js";
import { trajectoriesPage } from "./trajectories.js";
import { trajectoryPage } from "./trajectory.js";
import { treePage } from "./tree-page.js";

/** @param {string} id */
function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html has no #${id}`);
  return el;
}
const app = byId("app");
const status = byId("status");

// ---- router: #/ · #/trajectories?… · #/task/<id> · #/trajectory/<id> · #/tree/<task>[/<node>] ·
// #/pairs · #/pair/<id>

/**
 * A page: the route's captured parameters (decoded) in, its content out. Only an optional group
 * can be left unmatched (undefined), and the pages with one take its parameter as optional.
 * @typedef {(...params: string[]) => Promise<Node>} PageFn
 */

/** @type {[RegExp, PageFn][]} */
const routes = [
  [/^#?\/?$/, overviewPage],
  [/^#\/trajectories(?:\?(.*))?$/, trajectoriesPage],
  [/^#\/task\/([^/]+)$/, taskPage],
  [/^#\/trajectory\/([^/]+)$/, trajectoryPage],
  [/^#\/tree\/([^/]+)(?:\/([^/]+))?$/, treePage],
  [/^#\/pairs(?:\?(.*))?$/, pairsPage],
  [/^#\/pair\/([^/]+)$/, pairPage],
];

let generation = 0;
async function route() {
  const hash = location.hash || "#/";
  const mine = ++generation;
  for (const nav of document.querySelectorAll("[data-nav]")) {
    if (!(nav instanceof HTMLElement)) continue;
    const section = hash.startsWith("#/pair")
      ? "pairs"
      : hash.startsWith("#/trajector")
        ? "trajectories"
        : "overview";
    nav.classList.toggle("active", nav.dataset.nav === section);
  }
  for (const [pattern, page] of routes) {
    const m = hash.match(pattern);
    if (!m) continue;
    const params = m.slice(1).map((p) => (p === undefined ? undefined : decodeURIComponent(p)));
    status.textContent = "loading…";
    document.body.dataset.ready = "0";
    try {
      const content = await page(.../** @type {string[]} */ (params));
      if (mine !== generation) return;
      app.replaceChildren(content);
      status.textContent = "";
    } catch (error) {
      if (mine !== generation) return;
      app.replaceChildren(
        h("div", { class: "error" }, error instanceof Error ? error.message : String(error)),
      );
      status.textContent = "";
    }
    // Tests and benchmarks wait for this: the page has rendered its first content.
    document.body.dataset.ready = "1";
    window.scrollTo(0, 0);
    return;
  }
  app.replaceChildren(h("div", { class: "error" }, `no page ${hash}`));
  document.body.dataset.ready = "1";
}
window.addEventListener("hashchange", route);
void route();
