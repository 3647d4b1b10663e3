// The chat page of "interviewer": plain ES modules, no dependencies, no build step.
//
// Safety rule: every piece of text that came from the candidate or the API is put into the DOM with
// text nodes (Element.append(string) / textContent). Nothing here ever assigns innerHTML. The only markup the page
// adds to text is KaTeX's typesetting of TeX in texts the page wrote itself (math.js), never in an answer.
//
// Every string a candidate sees comes from strings.json, in the interview's language (i18n.js).

import { el } from "./dom.js";
import { follow, initFollow, refollow } from "./follow.js";
import { fmt, loadStrings, stringsFor } from "./i18n.js";
import { NO_MATH_CLASS, renderMath, spokenText } from "./math.js";
import { createDictation, createReader } from "./voice.js";

const STORAGE_KEY = "interviewer.session";

// ---------------------------------------------------------------------------------------------------
// State and DOM handles
// ---------------------------------------------------------------------------------------------------
const state = {
  lang: "zh",
  sid: null,
  token: null,
  total: 0,
  index: 0,
  answered: 0,
  waiting: false,
  done: false,
  topics: null,
  blobUrls: [],
  llm: false,
};

const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);
const ui = {};
let dictation = null;
let reader = null;

function t() {
  return stringsFor(state.lang);
}

function guessLang() {
  const langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ""];
  return String(langs[0] || "").toLowerCase().startsWith("zh") ? "zh" : "en";
}

function fmtScore(x) {
  return Math.round(Number(x) || 0);
}

function pct(x) {
  return `${Math.round((Number(x) || 0) * 100)}%`;
}

function scoreClass(s) {
  return s >= 70 ? "good" : s >= 40 ? "fair" : "poor";
}

// ---------------------------------------------------------------------------------------------------
// API
// ---------------------------------------------------------------------------------------------------
class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
    this.detail = detail;
  }
}

async function api(path, { method = "GET", body, auth = false, as = "json" } = {}) {
  const headers = { Accept: as === "json" ? "application/json" : "*/*" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (auth && state.token) headers.Authorization = `Bearer ${state.token}`;
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "");
  }
  if (!res.ok) {
    let detail = res.statusText || "";
    try {
      const j = await res.json();
      if (j && j.detail !== undefined) detail = typeof j.detail === "string" ? j.detail : JSON.stringify(j.detail);
    } catch {
      /* not JSON: keep the status text */
    }
    throw new ApiError(res.status, detail);
  }
  if (as === "blob") return res.blob();
  return res.json();
}

/**
 * What to tell the candidate about a failed request, in the interview language. The server's own detail is in
 * English, so it is kept out of the message (showError puts it in data-detail for whoever debugs the page).
 * table: a string table with messages for this request's statuses, before the generic ones.
 */
function errorText(err, table = null) {
  const s = t();
  if (!(err instanceof ApiError)) {
    console.error(err);
    return s.errors.default;
  }
  if (err.status === 0) return s.networkError;
  return (table && table[err.status]) || s.errors[err.status] || s.errors.default;
}

function showError(node, message, err = null) {
  node.textContent = message || "";
  node.hidden = !message;
  if (err instanceof ApiError && err.detail) node.dataset.detail = err.detail;
  else delete node.dataset.detail;
}

// ---------------------------------------------------------------------------------------------------
// Session storage
// ---------------------------------------------------------------------------------------------------
function saveSession() {
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ id: state.sid, token: state.token, lang: state.lang }));
  } catch {
    /* storage disabled: the interview still works, it just won't survive a reload */
  }
}

function loadSession() {
  try {
    const v = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
    return v && typeof v.id === "string" && typeof v.token === "string" ? v : null;
  } catch {
    return null;
  }
}

function clearSession() {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    /* ignore */
  }
}

// ---------------------------------------------------------------------------------------------------
// Static texts
// ---------------------------------------------------------------------------------------------------
function applyI18n() {
  const s = t();
  document.documentElement.lang = s.htmlLang;
  document.title = `${s.title} · interviewer`;
  for (const node of document.querySelectorAll("[data-i18n]")) {
    const v = s[node.dataset.i18n];
    if (typeof v === "string") node.textContent = v;
  }
  for (const option of ui.language.options) option.textContent = s.languageNames[option.value] || option.value;
  ui.answer.placeholder = s.placeholder;
  if (dictation) dictation.relabel();
  if (state.topics) renderTopics(state.topics);
  updateStatus();
}

function updateStatus(scoreSoFar) {
  const s = t();
  const inSession = Boolean(state.sid);
  ui.newInterview.hidden = !inSession;
  ui.progress.hidden = !inSession || !state.total;
  if (inSession && state.total) ui.progress.textContent = fmt(s.progress, { i: Math.max(1, state.index), n: state.total });
  // The running score is the server's score_so_far as given (it counts only the questions answered so far).
  if (scoreSoFar !== undefined && scoreSoFar !== null) ui.score.dataset.value = String(scoreSoFar);
  const v = ui.score.dataset.value;
  ui.score.hidden = !inSession || v === undefined;
  if (v !== undefined) ui.score.textContent = fmt(s.scoreSoFar, { s: fmtScore(v) });
}

// ---------------------------------------------------------------------------------------------------
// Start screen
// ---------------------------------------------------------------------------------------------------
function fillSelect(select, from, to, value) {
  select.replaceChildren(...Array.from({ length: to - from + 1 }, (_, k) => el("option", { value: from + k }, String(from + k))));
  select.value = String(value);
}

function renderTopics(topics) {
  const checked = new Set([...ui.topicList.querySelectorAll("input:checked")].map((i) => i.value));
  const s = t();
  const groups = new Map();
  for (const tp of topics) {
    const g = tp.group || "other";
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g).push(tp);
  }
  const topicItem = (tp) =>
    el(
      "label",
      { class: "topic" },
      el("input", { type: "checkbox", value: tp.id, "data-testid": `topic-${tp.id}`, "data-group": tp.group || "other", checked: checked.has(tp.id) }),
      el("span", { class: "topic-title" }, state.lang === "zh" ? tp.title_zh : tp.title_en),
      el("span", { class: "topic-count" }, fmt(s.questionsCount, { n: tp.questions })),
    );
  const nodes = [];
  for (const [g, members] of groups) {
    // A group header selects (or clears) all of its topics at once: the article's topics or today's.
    if (groups.size > 1) {
      const toggle = el("button", { type: "button", class: "link-button", "data-testid": `group-${g}` }, s.selectGroup);
      toggle.addEventListener("click", () => {
        const boxes = [...ui.topicList.querySelectorAll(`input[data-group="${g}"]`)];
        const on = !boxes.every((b) => b.checked);
        boxes.forEach((b) => (b.checked = on));
      });
      const total = members.reduce((n, tp) => n + tp.questions, 0);
      nodes.push(
        el(
          "div",
          { class: "topic-group", "data-testid": `group-header-${g}` },
          el("span", { class: "topic-group-title" }, (s.groups && s.groups[g]) || g),
          el("span", { class: "topic-count" }, fmt(s.questionsCount, { n: total })),
          toggle,
        ),
      );
    }
    nodes.push(...members.map(topicItem));
  }
  ui.topicList.replaceChildren(...nodes);
  ui.topicList.removeAttribute("aria-busy");
}

async function showStart(message) {
  state.sid = state.token = null;
  state.done = false;
  state.total = state.index = state.answered = 0;
  delete ui.score.dataset.value;
  ui.chat.hidden = true;
  ui.start.hidden = false;
  ui.language.value = state.lang;
  applyI18n();
  showError(ui.startError, message || "");
  ui.startButton.disabled = false;
  if (!state.topics) {
    ui.topicList.replaceChildren(el("p", { class: "hint" }, t().loadingTopics));
    try {
      state.topics = await api("/v1/topics");
      renderTopics(state.topics);
    } catch (err) {
      ui.topicList.replaceChildren();
      showError(ui.startError, errorText(err), err);
    }
  }
}

async function startInterview(ev) {
  ev.preventDefault();
  if (ui.startButton.disabled) return;
  const body = {
    topics: [...ui.topicList.querySelectorAll("input:checked")].map((i) => i.value),
    n_questions: Number(ui.nQuestions.value),
    language: ui.language.value === "en" ? "en" : "zh",
    max_followups: Number(ui.maxFollowups.value),
    difficulty: [1, 3],
  };
  ui.startButton.disabled = true;
  ui.startButton.textContent = t().starting;
  showError(ui.startError, "");
  try {
    const res = await api("/v1/sessions", { method: "POST", body });
    state.sid = res.session_id;
    state.token = res.token;
    state.llm = Boolean(res.llm);
    state.lang = res.language === "en" ? "en" : "zh";
    saveSession();
    openChat();
    const prompt = handleNext(res.next);
    follow(prompt, prompt, ui.composer);
  } catch (err) {
    showError(ui.startError, errorText(err), err);
  } finally {
    ui.startButton.disabled = false;
    ui.startButton.textContent = t().start;
  }
}

// ---------------------------------------------------------------------------------------------------
// Chat
// ---------------------------------------------------------------------------------------------------
function openChat() {
  for (const u of state.blobUrls) URL.revokeObjectURL(u);
  state.blobUrls = [];
  state.done = false;
  state.answered = 0;
  ui.start.hidden = true;
  ui.chat.hidden = false;
  ui.log.replaceChildren();
  ui.answer.value = "";
  showError(ui.answerError, "");
  applyI18n();
}

/** The interviewer's message for a move; its bubble's text is typeset (TeX) and can be read aloud. */
function renderMove(move) {
  const s = t();
  const nodes = [];
  if (move.kind === "question" && move.index > 1) {
    nodes.push(el("div", { class: "divider", "data-testid": "next-divider", role: "separator" }, el("span", {}, s.nextQuestion)));
  }
  if (move.kind === "done") {
    nodes.push(el("div", { class: "divider done", "data-testid": "done-divider", role: "separator" }, el("span", {}, s.finished)));
  }
  const tags = [];
  if (move.kind !== "done") {
    tags.push(el("span", { class: "tag", "data-testid": "question-label" }, fmt(s.questionLabel, { i: move.index, n: move.total })));
  }
  if (move.kind === "followup") tags.push(el("span", { class: "tag followup", "data-testid": "followup-label" }, s.followup));
  const bubble = el("div", { class: "bubble" });
  setBubbleText(bubble, move.text || "");
  const speak = reader.button(() => bubble.dataset.source || "");
  nodes.push(
    el(
      "div",
      { class: `msg interviewer ${move.kind}`, "data-testid": "msg-interviewer", "data-kind": move.kind },
      el("div", { class: "meta" }, el("span", { class: "who" }, s.interviewer), ...tags, speak),
      bubble,
    ),
  );
  ui.log.append(...nodes);
  return nodes[nodes.length - 1];
}

/** Put an interviewer text into a bubble: typeset, with its source kept for reading aloud. */
function setBubbleText(bubble, text) {
  bubble.dataset.source = spokenText(text);
  bubble.textContent = text;
  renderMath(bubble);
}

/** Show the next move; returns the message node of a question or follow-up (undefined when done). */
function handleNext(move) {
  if (!move) return undefined;
  state.total = move.total || state.total;
  if (move.kind !== "done") state.index = move.index;
  const node = renderMove(move);
  updateStatus();
  if (move.kind === "done") {
    ui.composer.hidden = true;
    finish();
    return node;
  }
  ui.composer.hidden = false;
  setWaiting(false);
  if (move.kind === "followup") streamFollowup(node);
  ui.answer.focus({ preventScroll: true });
  return node;
}

/**
 * With an LLM configured, the server phrases the follow-up and streams it (server-sent events); the bank's
 * probe, already shown, stays when there is no LLM or it fails. Text is only ever set with textContent.
 */
async function streamFollowup(node) {
  const bubble = node && node.querySelector(".bubble");
  if (!bubble || !state.sid) return;
  await streamInto(`/v1/sessions/${state.sid}/followup`, bubble);
}

/** Read a server-sent-event stream, calling onEvent(name, payload) for each event; false if it could not open. */
async function readEvents(url, onEvent) {
  let res;
  try {
    res = await fetch(url, { headers: { Authorization: `Bearer ${state.token}` } });
  } catch {
    return false;
  }
  if (!res.ok || !res.body) return false;
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const event = (block.match(/^event: (.*)$/m) || [])[1];
      const data = (block.match(/^data: (.*)$/m) || [])[1];
      if (!data) continue;
      let payload;
      try {
        payload = JSON.parse(data);
      } catch {
        continue;
      }
      onEvent(event, payload);
    }
  }
  return true;
}

/** Read a stream of {text} deltas into a bubble; keep what is there if it fails. The chat follows it as it grows. */
async function streamInto(url, bubble) {
  let text = "";
  await readEvents(url, (event, payload) => {
    if (event === "delta") {
      text += payload.text || "";
      bubble.textContent = text;
    } else if (event === "done") {
      setBubbleText(bubble, payload.text || text || bubble.textContent);
      if (String(payload.origin).startsWith("llm") && payload.sources && payload.sources.length) {
        bubble.append(el("div", { class: "sources", "data-testid": "stream-sources" }, payload.sources.join(" · ")));
      }
    }
    refollow();
  });
}

/**
 * The embedding grade is shown at once; with an LLM grader its judgements follow, one key point at a time, and
 * the card is redrawn with each (server-sent events from /turns/{n}/judging). If the stream fails, the card keeps
 * what it shows and the transcript or the report has the final grade. The judged grade can change the question's
 * score, so at the end the turn and the running score are read again from the session.
 */
async function streamJudging(node, turn, answer, kind, extra) {
  const note = el("div", { class: "judging", "data-testid": "judging" }, el("span", { class: "spinner", "aria-hidden": "true" }), t().judging);
  node.append(note);
  let current = { ...extra };
  const redraw = (grade, final) => {
    const card = gradeCard(answer, grade, kind, false, current);
    card.dataset.judging = final ? "done" : "pending";
    if (final) card.querySelector(".card-head-text").append(el("span", { class: "badge judged", "data-testid": "judged" }, t().judged));
    node.querySelector('[data-testid="grade-card"]').replaceWith(card);
    refollow();
    return card;
  };
  let last = null;
  await readEvents(`/v1/sessions/${state.sid}/turns/${turn}/judging`, (event, payload) => {
    if (!payload.grade) return;
    if (payload.question_score !== undefined) current = { questionScore: payload.question_score, explanation: payload.explanation };
    last = { grade: payload.grade, final: event === "final" };
    redraw(last.grade, last.final);
  });
  note.remove();
  if (last && last.final) await refreshTurn(node, turn, answer, kind, last.grade);
}

/** Read a turn's question score and explanation, and the running score, from the session after judging. */
async function refreshTurn(node, turn, answer, kind, grade) {
  const answeredBefore = state.answered;
  let session;
  try {
    session = await api(`/v1/sessions/${encodeURIComponent(state.sid)}`, { auth: true });
  } catch {
    return; // the card keeps what it shows
  }
  const stored = (session.transcript || []).find((x) => x.turn === turn);
  if (stored && stored.question_score !== undefined) {
    const card = gradeCard(answer, stored.grade || grade, kind, false, turnExtra(stored));
    card.dataset.judging = "done";
    card.querySelector(".card-head-text").append(el("span", { class: "badge judged", "data-testid": "judged" }, t().judged));
    node.querySelector('[data-testid="grade-card"]').replaceWith(card);
    refollow();
  }
  // A later answer's response carries a newer running score than this read may have seen.
  if (state.answered === answeredBefore) updateStatus(session.score_so_far);
}

function setWaiting(on) {
  state.waiting = on;
  ui.send.disabled = on;
  ui.skip.disabled = on;
  ui.answer.setAttribute("aria-busy", on ? "true" : "false");
  ui.send.textContent = on ? t().sending : t().send;
}

/** A candidate message: the bubble while grading, then the grade card (which shows the answer). */
function candidateMessage(text) {
  const s = t();
  return el(
    "div",
    { class: "msg candidate pending", "data-testid": "msg-candidate" },
    el("div", { class: "meta" }, el("span", { class: "who" }, s.you)),
    el("div", { class: `bubble answer-text ${NO_MATH_CLASS}`, "data-testid": "pending-answer" }, text),
    el("div", { class: "grading", "data-testid": "grading" }, el("span", { class: "spinner", "aria-hidden": "true" }), s.grading),
  );
}

function finishCandidateMessage(node, text, grade, kind, skipped, extra) {
  node.classList.remove("pending");
  node.replaceChildren(el("div", { class: "meta" }, el("span", { class: "who" }, t().you)), gradeCard(text, grade, kind, skipped, extra));
}

/** The question's score after a turn and how it was reached, when the server sends them (else undefined). */
function turnExtra(x) {
  return { questionScore: x.question_score, explanation: x.explanation };
}

// Map [start, end) code-point offsets (as the Python server counts) to UTF-16 offsets (as JS counts).
function codePointOffsets(text) {
  const map = [0];
  let u = 0;
  for (const ch of text) {
    u += ch.length;
    map.push(u);
  }
  return map;
}

function evidenceRanges(answer, points) {
  const map = codePointOffsets(answer);
  const ranges = [];
  points.forEach((p, i) => {
    const ev = p.covered ? p.evidence : null;
    if (!ev || typeof ev.start !== "number" || typeof ev.end !== "number") return;
    let s = map[ev.start];
    let e = map[ev.end];
    if (s === undefined || e === undefined || (ev.text && answer.slice(s, e) !== ev.text)) {
      // Offsets that do not fit this text: fall back to finding the quoted span.
      const at = ev.text ? answer.indexOf(ev.text) : -1;
      if (at < 0) return;
      s = at;
      e = at + ev.text.length;
    }
    if (e > s) ranges.push({ s, e, i });
  });
  return ranges;
}

/** The answer as text nodes with <mark> around evidence spans (overlaps are split, never nested). */
function highlightedAnswer(answer, points) {
  const s = t();
  const ranges = evidenceRanges(answer, points);
  const cuts = [...new Set([0, answer.length, ...ranges.flatMap((r) => [r.s, r.e])])].sort((a, b) => a - b);
  const out = [];
  for (let k = 0; k < cuts.length - 1; k++) {
    const a = cuts[k];
    const b = cuts[k + 1];
    const piece = answer.slice(a, b);
    const hits = ranges.filter((r) => r.s <= a && r.e >= b);
    if (!hits.length) {
      out.push(piece);
      continue;
    }
    const ids = hits.map((h) => h.i + 1);
    out.push(
      el(
        "mark",
        {
          class: "evidence",
          "data-testid": "evidence",
          "data-kp": ids.join(" "),
          title: hits.map((h) => `${fmt(s.keyPointN, { n: h.i + 1 })}: ${points[h.i].statement}`).join("\n"),
        },
        piece,
      ),
    );
  }
  return out;
}

function flagName(f) {
  const names = t().flags;
  return names[f] || names.unknown;
}

function flagBadges(flags, details) {
  return (flags || []).map((f) =>
    el("span", { class: `badge flag flag-${f}`, "data-testid": "flag", "data-flag": f, title: (details && details[f]) || null }, flagName(f)),
  );
}

/** Each flag's explanation in the interview language (grade.flag_notes), else the grader's own note. */
function flagDetails(flags, details) {
  const lines = (flags || []).filter((f) => details && details[f]);
  if (!lines.length) return null;
  return el(
    "ul",
    { class: "flag-details", "data-testid": "flag-details" },
    ...lines.map((f) => el("li", { "data-flag": f }, el("span", { class: "flag-name" }, flagName(f)), el("span", {}, details[f]))),
  );
}

/** The card's big number: the question's score after this turn when the server gives it, else the answer's grade. */
function cardScore(s, value, fromQuestion) {
  const score = fmtScore(value);
  return el(
    "span",
    {
      class: `score ${scoreClass(score)}`,
      "data-testid": "grade-score",
      "data-score": score,
      "data-source": fromQuestion ? "question" : "grade",
      "aria-label": fmt(s.scoreAria, { score }),
    },
    String(score),
    el("small", {}, "/100"),
  );
}

function explanationLine(text, testid = "score-explanation") {
  return text ? el("p", { class: "explanation", "data-testid": testid }, text) : null;
}

function gradeCard(answer, grade, kind, skipped, extra = {}) {
  const s = t();
  const hasQuestionScore = typeof extra.questionScore === "number";
  if (!grade) {
    return el(
      "section",
      { class: "card skipped", "data-testid": "grade-card", "data-skipped": "true" },
      hasQuestionScore || extra.explanation
        ? el(
            "header",
            { class: "card-head" },
            el("div", { class: "card-head-row" }, hasQuestionScore ? cardScore(s, extra.questionScore, true) : null),
            explanationLine(extra.explanation),
          )
        : null,
      el("div", { class: `bubble answer-text ${NO_MATH_CLASS}`, "data-testid": "card-answer" }, answer),
      el("p", { class: "card-note" }, s.skippedCard),
    );
  }
  const points = grade.key_points || [];
  const header = el(
    "header",
    { class: "card-head" },
    el(
      "div",
      { class: "card-head-row" },
      cardScore(s, hasQuestionScore ? extra.questionScore : grade.score, hasQuestionScore),
      el(
        "div",
        { class: "card-head-text" },
        kind === "followup" ? el("span", { class: "card-kind" }, s.followupGrade) : null,
        skipped ? el("span", { class: "badge skipped-badge" }, s.skippedQ) : null,
        el("div", { class: "flags" }, ...flagBadges(grade.flags, grade.flag_notes || grade.flag_details)),
      ),
    ),
    explanationLine(extra.explanation),
  );
  const list = el(
    "ol",
    { class: "kps" },
    ...points.map((p, i) =>
      el(
        "li",
        {
          class: `kp ${p.covered ? "covered" : "missed"}`,
          "data-testid": "key-point",
          "data-covered": p.covered ? "true" : "false",
          "data-kp": i + 1,
          tabindex: "0",
        },
        el(
          "span",
          { class: "check", "data-testid": "kp-mark", "aria-label": p.covered ? s.covered : s.notCovered },
          p.covered ? "✔" : "✘",
        ),
        el(
          "div",
          { class: "kp-body" },
          el("div", { class: "kp-statement" }, el("span", { class: "kp-num" }, `${i + 1}.`), renderMath(el("span", {}, p.statement))),
          el(
            "div",
            { class: "kp-prob", "data-testid": "kp-probability" },
            el("span", { class: "prob-track", "aria-hidden": "true" }, probFill(p.probability)),
            `${s.probability} ${pct(p.probability)}`,
          ),
          p.covered && p.evidence
            ? el(
                "div",
                { class: `kp-evidence ${NO_MATH_CLASS}`, "data-testid": "kp-evidence" },
                el("span", { class: "label" }, `${s.evidence}: `),
                el("q", {}, p.evidence.text),
              )
            : null,
        ),
      ),
    ),
  );
  const card = el(
    "section",
    { class: "card", "data-testid": "grade-card", "data-skipped": skipped ? "true" : "false" },
    header,
    flagDetails(grade.flags, grade.flag_notes || grade.flag_details),
    el("div", { class: `bubble answer-text ${NO_MATH_CLASS}`, "data-testid": "card-answer" }, ...highlightedAnswer(answer, points)),
    points.length ? list : el("p", { class: "card-note" }, s.noPoints),
  );
  // Pointing at a key point lights up its evidence in the answer.
  const light = (n, on) => {
    for (const m of card.querySelectorAll("mark.evidence")) {
      if (m.dataset.kp.split(" ").includes(String(n))) m.classList.toggle("active", on);
    }
  };
  for (const li of list.children) {
    for (const [evt, on] of [["mouseenter", true], ["mouseleave", false], ["focus", true], ["blur", false]]) {
      li.addEventListener(evt, () => light(li.dataset.kp, on));
    }
  }
  return card;
}

function probFill(p) {
  const fill = el("span", { class: "prob-fill" });
  fill.style.width = pct(Math.max(0, Math.min(1, Number(p) || 0)));
  return fill;
}

async function sendAnswer(text) {
  if (state.waiting || state.done || !state.sid) return;
  // Words still being recognised would land in the box after it was cleared: dictation ends with the send.
  dictation.abort();
  const fromBox = text === undefined;
  if (fromBox) text = ui.answer.value;
  showError(ui.answerError, "");
  setWaiting(true);
  let pending = null;
  if (text.trim()) {
    pending = candidateMessage(text);
    ui.log.append(pending);
    follow(pending, pending, ui.composer);
  }
  if (fromBox) ui.answer.value = "";
  const kind = currentKind();
  try {
    const res = await api(`/v1/sessions/${encodeURIComponent(state.sid)}/answers`, { method: "POST", body: { text }, auth: true });
    state.answered += 1;
    if (!pending) {
      pending = candidateMessage(text);
      ui.log.append(pending);
    }
    const extra = turnExtra(res);
    finishCandidateMessage(pending, text, res.grade, kind, res.skipped, extra);
    if (res.grade && res.grade.judging === "pending") streamJudging(pending, res.turn, text, kind, extra);
    if (state.llm && res.grade) {
      const note = el("div", { class: "msg interviewer feedback", "data-testid": "msg-feedback" }, el("div", { class: "bubble" }, ""));
      pending.after(note);
      streamInto(`/v1/sessions/${state.sid}/feedback`, note.querySelector(".bubble"));
    }
    updateStatus(res.score_so_far);
    const prompt = handleNext(res.next);
    follow(pending, prompt, res.next && res.next.kind !== "done" ? ui.composer : null);
  } catch (err) {
    if (pending) pending.remove();
    if (fromBox && !ui.answer.value) ui.answer.value = text;
    setWaiting(false);
    showError(ui.answerError, errorText(err, t().answerErrors), err);
    if (err instanceof ApiError && (err.status === 401 || err.status === 404)) {
      clearSession();
    } else if (err instanceof ApiError && err.status === 409) {
      // The server moved on (answered elsewhere or finished): show its state.
      const saved = loadSession();
      if (saved) resume(saved).catch(() => {});
    }
    ui.answer.focus({ preventScroll: true });
  }
}

function currentKind() {
  const last = [...ui.log.querySelectorAll('[data-testid="msg-interviewer"]')].pop();
  return last ? last.dataset.kind : "question";
}

// ---------------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------------
async function finish() {
  state.done = true;
  ui.composer.hidden = true;
  dictation.abort();
  const holder = el("section", { class: "report", "data-testid": "report", "aria-busy": "true" }, el("p", { class: "hint" }, t().loadingReport));
  ui.log.append(holder);
  await loadReport(holder);
}

async function loadReport(holder) {
  try {
    const rep = await api(`/v1/sessions/${encodeURIComponent(state.sid)}/report?format=json`, { auth: true });
    renderReport(holder, rep);
    holder.removeAttribute("aria-busy");
    const heading = holder.querySelector("h2");
    follow(heading, heading, null);
  } catch (err) {
    const retry = el("button", { type: "button", class: "secondary", "data-testid": "report-retry" }, t().retry);
    retry.addEventListener("click", () => {
      holder.replaceChildren(el("p", { class: "hint" }, t().loadingReport));
      loadReport(holder);
    });
    holder.replaceChildren(el("p", { class: "error", role: "alert", "data-testid": "report-error", "data-detail": err.detail || null }, errorText(err)), retry);
  }
}

function topicChart(topics) {
  const s = t();
  return el(
    "div",
    { class: "chart", "data-testid": "topic-chart", role: "list", "aria-label": s.byTopic },
    ...topics.map((tp) => {
      const v = fmtScore(tp.score);
      const fill = el("span", { class: `bar-fill ${scoreClass(v)}` });
      fill.style.width = `${Math.max(0, Math.min(100, Number(tp.score) || 0))}%`;
      return el(
        "div",
        { class: "bar-row", role: "listitem", "data-testid": "topic-bar", "data-topic": tp.id, "data-score": v },
        el("span", { class: "bar-label", title: tp.title }, tp.title),
        el("span", { class: "bar-track", "aria-hidden": "true" }, fill),
        el("span", { class: "bar-value" }, String(v)),
        el(
          "span",
          { class: "bar-sub" },
          `${s.strengths} ${(tp.strengths || []).length} · ${s.gaps} ${(tp.gaps || []).length}`,
        ),
      );
    }),
  );
}

function pointList(items, cls, mark, suffix = "") {
  return items.map((x) =>
    el("li", { class: cls }, el("span", { class: "check", "aria-hidden": "true" }, mark), renderMath(el("span", {}, `${x}${suffix}`))),
  );
}

/** The report's flag notes (one per flag, in the interview language) as flag -> note. */
function reportFlagNotes(q) {
  const notes = q.flag_notes || [];
  return Object.fromEntries((q.flags || []).map((f, k) => [f, notes[k] || ""]));
}

/** A passage's heading: the bank's reference answer, or a source marked when it is in the other language. */
function passageTitle(p) {
  const s = t();
  if (p.kind === "reference") return p.title ? `${s.bankReference} — ${p.title}` : s.bankReference;
  const other = p.language && p.language !== state.lang;
  return `${p.title || ""}${other ? s.otherSource : ""}`;
}

function reportQuestion(q, i) {
  const s = t();
  const v = fmtScore(q.score);
  const covered = [...pointList(q.covered || [], "covered", "✔"), ...pointList(q.hinted || [], "covered hinted", "✔", s.hintedSuffix)];
  const missed = pointList(q.missed || [], "missed", "✘");
  const passages = q.passages || [];
  return el(
    "li",
    { class: "rq", "data-testid": "report-question", "data-question": q.id },
    el(
      "div",
      { class: "rq-head" },
      el("span", { class: "rq-num" }, `${i + 1}.`),
      renderMath(el("span", { class: "rq-text" }, q.question)),
      el("span", { class: `score small ${scoreClass(v)}`, "data-testid": "report-question-score" }, String(v), el("small", {}, "/100")),
    ),
    explanationLine(q.explanation, "report-explanation"),
    q.skipped || (q.flags || []).length
      ? el("div", { class: "flags" }, q.skipped ? el("span", { class: "badge skipped-badge" }, s.skippedQ) : null, ...flagBadges(q.flags))
      : null,
    flagDetails(q.flags, reportFlagNotes(q)),
    el("h4", {}, s.coveredPts),
    el("ul", { class: "points", "data-testid": "report-covered" }, covered.length ? covered : el("li", { class: "none" }, s.none)),
    el("h4", {}, s.missedPts),
    el("ul", { class: "points", "data-testid": "report-missed" }, missed.length ? missed : el("li", { class: "none" }, s.none)),
    el("details", {}, el("summary", {}, s.reference), renderMath(el("p", { class: "reference", "data-testid": "report-reference" }, q.reference || ""))),
    passages.length
      ? el(
          "details",
          { "data-testid": "report-passages" },
          el("summary", {}, `${s.toRead} (${passages.length})`),
          ...passages.map((p) =>
            el(
              "div",
              { class: "passage", "data-testid": "passage" },
              el("div", { class: "passage-title" }, passageTitle(p)),
              el("div", { class: "passage-src" }, `${p.file}:${p.start_line}${p.end_line !== p.start_line ? `-${p.end_line}` : ""}`),
              renderMath(el("p", { "data-testid": "passage-text" }, p.text || "")),
            ),
          ),
        )
      : null,
  );
}

function renderReport(holder, rep) {
  const s = t();
  const overall = fmtScore(rep.overall_score);
  const overallFill = el("span", { class: `bar-fill ${scoreClass(overall)}` });
  overallFill.style.width = `${Math.max(0, Math.min(100, Number(rep.overall_score) || 0))}%`;
  const htmlLink = el("a", { class: "button secondary disabled", "data-testid": "html-report-link", target: "_blank", rel: "noopener", "aria-disabled": "true" }, s.openHtml);
  const mdLink = el("a", { class: "button secondary disabled", "data-testid": "md-download", download: `interview-report-${state.sid}.md`, "aria-disabled": "true" }, s.downloadMd);
  const restart = el("button", { type: "button", class: "primary", "data-testid": "restart" }, s.newInterview);
  restart.addEventListener("click", newInterview);
  const actionsError = el("p", { class: "error", role: "alert", hidden: true });
  holder.replaceChildren(
    el("h2", {}, s.reportTitle),
    el(
      "div",
      { class: "overall" },
      el("span", { class: "overall-label" }, s.overall),
      el("span", { class: `score big ${scoreClass(overall)}`, "data-testid": "overall-score" }, String(overall), el("small", {}, "/100")),
      el("span", { class: "bar-track wide", "aria-hidden": "true" }, overallFill),
    ),
    el("h3", {}, s.byTopic),
    topicChart(rep.topics || []),
    el("h3", {}, s.byQuestion),
    el("ol", { class: "report-questions" }, ...(rep.questions || []).map(reportQuestion)),
    el("div", { class: "actions" }, htmlLink, mdLink, restart),
    actionsError,
  );
  // The HTML and Markdown reports need the Authorization header, so fetch them and hand out Blob URLs.
  const prepare = async (link, format, type) => {
    try {
      const blob = await api(`/v1/sessions/${encodeURIComponent(state.sid)}/report?format=${format}`, { auth: true, as: "blob" });
      const url = URL.createObjectURL(new Blob([blob], { type }));
      state.blobUrls.push(url);
      link.href = url;
      link.classList.remove("disabled");
      link.removeAttribute("aria-disabled");
      link.dataset.ready = "true";
    } catch (err) {
      showError(actionsError, errorText(err), err);
    }
  };
  prepare(htmlLink, "html", "text/html;charset=utf-8");
  prepare(mdLink, "md", "text/markdown;charset=utf-8");
}

function newInterview() {
  clearSession();
  reader.cancel();
  dictation.abort();
  for (const u of state.blobUrls) URL.revokeObjectURL(u);
  state.blobUrls = [];
  ui.log.replaceChildren();
  showStart();
}

// ---------------------------------------------------------------------------------------------------
// Resume after a reload
// ---------------------------------------------------------------------------------------------------
async function resume(saved) {
  state.sid = saved.id;
  state.token = saved.token;
  const session = await api(`/v1/sessions/${encodeURIComponent(saved.id)}`, { auth: true });
  state.lang = session.language === "en" ? "en" : "zh";
  saveSession();
  openChat();
  const total = (session.next && session.next.total) || (session.config && session.config.n_questions) || 0;
  let index = 0;
  let lastAnswer = null;
  for (const turn of session.transcript || []) {
    if (turn.kind === "question") index += 1;
    renderMove({ kind: turn.kind, text: turn.prompt, question_id: turn.question_id, index, total });
    lastAnswer = candidateMessage(turn.answer);
    ui.log.append(lastAnswer);
    finishCandidateMessage(lastAnswer, turn.answer, turn.grade, turn.kind, turn.skipped ?? turn.grade === null, turnExtra(turn));
  }
  state.total = total;
  state.index = index;
  state.answered = (session.transcript || []).length;
  updateStatus(session.transcript && session.transcript.length ? session.score_so_far : undefined);
  if (session.next) {
    const prompt = handleNext(session.next);
    follow(lastAnswer || prompt, prompt, session.next.kind !== "done" ? ui.composer : null);
  } else if (session.finished) {
    ui.composer.hidden = true;
    finish();
  }
}

// ---------------------------------------------------------------------------------------------------
// Boot
// ---------------------------------------------------------------------------------------------------
function bind() {
  Object.assign(ui, {
    start: $("start-screen"),
    startForm: $("start-form"),
    topicList: $("topic-list"),
    language: $("language"),
    nQuestions: $("n-questions"),
    maxFollowups: $("max-followups"),
    startButton: $("start-button"),
    startError: $("start-error"),
    chat: $("chat-screen"),
    log: $("chat-log"),
    composer: $("composer"),
    answer: $("answer-input"),
    answerError: $("answer-error"),
    send: $("send-button"),
    skip: $("skip-button"),
    mic: $("mic-button"),
    voiceStatus: $("voice-status"),
    progress: $("progress"),
    score: $("score-so-far"),
    newInterview: $("new-interview"),
  });
  fillSelect(ui.nQuestions, 1, 10, 3);
  fillSelect(ui.maxFollowups, 0, 3, 2);
  reader = createReader(t);
  dictation = createDictation({
    button: ui.mic,
    box: ui.answer,
    status: ui.voiceStatus,
    strings: t,
    onError: (message) => showError(ui.answerError, message),
  });
  initFollow();
  ui.language.addEventListener("change", () => {
    state.lang = ui.language.value === "en" ? "en" : "zh";
    applyI18n();
  });
  $("select-all").addEventListener("click", () => ui.topicList.querySelectorAll("input").forEach((i) => (i.checked = true)));
  $("select-none").addEventListener("click", () => ui.topicList.querySelectorAll("input").forEach((i) => (i.checked = false)));
  ui.startForm.addEventListener("submit", startInterview);
  ui.composer.addEventListener("submit", (ev) => {
    ev.preventDefault();
    sendAnswer();
  });
  ui.answer.addEventListener("keydown", (ev) => {
    // Enter sends; Shift+Enter keeps the textarea's newline; never send while an IME is composing.
    if (ev.key !== "Enter" || ev.shiftKey || ev.altKey || ev.isComposing || ev.keyCode === 229) return;
    ev.preventDefault();
    sendAnswer();
  });
  ui.skip.addEventListener("click", () => sendAnswer("skip"));
  ui.newInterview.addEventListener("click", newInterview);
}

async function boot() {
  try {
    await loadStrings();
  } catch (err) {
    // Without its strings the page has nothing to say in either language but this one bilingual line.
    console.error(err);
    $("boot-error").hidden = false;
    return;
  }
  bind();
  const saved = loadSession();
  state.lang = saved && (saved.lang === "en" || saved.lang === "zh") ? saved.lang : guessLang();
  applyI18n();
  if (saved) {
    try {
      await resume(saved);
      return;
    } catch (err) {
      clearSession();
      const lost = err instanceof ApiError && (err.status === 401 || err.status === 404);
      await showStart(lost ? t().sessionLost : errorText(err));
      return;
    }
  }
  await showStart();
}

boot().finally(() => document.documentElement.setAttribute("data-ready", "true"));
