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

const app = document.getElementById("app");
const status = document.getElementById("status");

// ---- router: #/ · #/trajectories?… · #/task/<id> · #/trajectory/<id> · #/tree/<task>[/<node>] ·
// #/pairs · #/pair/<id>

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
      const content = await page(...params);
      if (mine !== generation) return;
      app.replaceChildren(content);
      status.textContent = "";
    } catch (error) {
      if (mine !== generation) return;
      app.replaceChildren(h("div", { class: "error" }, String(error.message ?? error)));
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
