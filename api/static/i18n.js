// The page's strings, one table per interview language, loaded from strings.json (same keys in zh and en).

let TABLES = null;

/** Fetch strings.json once; the page cannot show anything sensible without it, so a failure is thrown. */
export async function loadStrings(url = "/static/strings.json") {
  const res = await fetch(url, { headers: { Accept: "application/json" } });
  if (!res.ok) throw new Error(`strings: HTTP ${res.status}`);
  TABLES = await res.json();
  return TABLES;
}

/** The table for a language ("zh" or "en"); English for anything else. */
export function stringsFor(lang) {
  if (!TABLES) throw new Error("strings.json is not loaded");
  return TABLES[lang] || TABLES.en;
}

/** Fill {name} placeholders of a template from vars. */
export function fmt(template, vars = {}) {
  return String(template).replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}
