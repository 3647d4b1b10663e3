// TeX in texts the page itself wrote (passages, reference answers, key-point statements, the interviewer's
// prompts) is typeset by the vendored KaTeX (vendor/katex, loaded by index.html before this module runs).
// KaTeX's auto-render only reads and replaces text nodes, and with `trust` off it builds no links or raw HTML, so
// it never turns text into markup. The candidate's answer is never passed here.

const DELIMITERS = [
  { left: "$$", right: "$$", display: true },
  { left: "\\[", right: "\\]", display: true },
  { left: "$", right: "$", display: false },
  { left: "\\(", right: "\\)", display: false },
];

export const NO_MATH_CLASS = "no-math";

/** Typeset the TeX in node's text; without KaTeX (it failed to load) the text stays as it is. */
export function renderMath(node) {
  const render = globalThis.renderMathInElement;
  if (!node || typeof render !== "function") return node;
  render(node, {
    delimiters: DELIMITERS,
    throwOnError: false,
    strict: "ignore", // Chinese text inside $...$ is fine here; KaTeX would warn about every character
    trust: false,
    ignoredClasses: [NO_MATH_CLASS, "answer-text"],
  });
  return node;
}

/** The text to read aloud for a message that may hold TeX: its source, without the delimiters. */
export function spokenText(text) {
  return String(text || "")
    .replace(/\$\$|\\\[|\\\]|\\\(|\\\)/g, " ")
    .replace(/\$/g, "")
    .replace(/\s+/g, " ")
    .trim();
}
