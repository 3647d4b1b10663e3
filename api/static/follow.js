// The chat follows the conversation: after an answer, the newest exchange (the grade card and the prompt that
// comes after it) is scrolled into the band between the top of the viewport and the sticky answer box. When the
// exchange is taller than that band (a long card on a phone) the prompt wins, since it is what the candidate
// answers next; the card's header is sticky (app.css), so its score stays in sight above it.
//
// Later growth of the same exchange (a follow-up streamed in, a card redrawn by the LLM's judging) scrolls again,
// unless the candidate has scrolled away by hand since.

const GAP = 12; // px kept free above the answer box and below the top of the viewport
const NAV_KEYS = new Set(["PageUp", "PageDown", "Home", "End", "ArrowUp", "ArrowDown", " "]);

let target = null;
let following = false;

function editable(node) {
  return node instanceof HTMLElement && (node.isContentEditable || /^(TEXTAREA|INPUT|SELECT)$/.test(node.tagName));
}

/** Stop following once the candidate scrolls by hand (the page's own scrolling fires none of these). */
export function initFollow() {
  const off = () => {
    following = false;
  };
  window.addEventListener("wheel", off, { passive: true });
  window.addEventListener("touchmove", off, { passive: true });
  window.addEventListener("keydown", (ev) => {
    if (NAV_KEYS.has(ev.key) && !editable(ev.target)) off();
  });
}

/** Bring first's top to last's bottom into view above the answer box (composer), and keep following them. */
export function follow(first, last, composer) {
  if (!last) return;
  target = { first: first || last, last, composer };
  following = true;
  place();
}

/** The followed exchange changed size: place it again, unless the candidate has scrolled away. */
export function refollow() {
  if (following && target) place();
}

function place() {
  const { first, last, composer } = target;
  if (!first.isConnected || !last.isConnected) return;
  const boxTop = composer && !composer.hidden ? composer.getBoundingClientRect().top : window.innerHeight;
  const bandTop = GAP;
  const bandBottom = Math.min(boxTop, window.innerHeight) - GAP;
  const top = first.getBoundingClientRect().top;
  const bottom = last.getBoundingClientRect().bottom;
  let dy = 0;
  if (bottom - top <= bandBottom - bandTop) {
    if (bottom > bandBottom) dy = bottom - bandBottom;
    else if (top < bandTop) dy = top - bandTop;
  } else {
    dy = bottom - bandBottom;
  }
  if (Math.abs(dy) < 1) return;
  const smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  window.scrollTo({ top: window.scrollY + dy, behavior: smooth ? "smooth" : "auto" });
}
