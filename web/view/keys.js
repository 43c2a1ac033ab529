// Keyboard shortcuts of the page on screen. One listener for the app: a page registers its keys
// when it renders, and they stop working once that page has left the document.

/** @type {{page: HTMLElement, handlers: Record<string, () => unknown>} | null} */
let current = null;

/**
 * @param {HTMLElement} page the page element the keys belong to
 * @param {Record<string, () => unknown>} handlers by KeyboardEvent.key ("j", "ArrowDown", ...)
 */
export function onPageKey(page, handlers) {
  current = { page, handlers };
}

document.addEventListener("keydown", (event) => {
  if (!current?.page.isConnected) return;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  // Typing in a filter is not navigating.
  const target = event.target;
  if (target instanceof HTMLElement && target.closest("input, select, textarea, [contenteditable]")) return;
  const handler = current.handlers[event.key];
  if (!handler) return;
  event.preventDefault();
  handler();
});
