// The chat page of "interviewer": plain ES module, no dependencies, no build step.
//
// Safety rule: every piece of text that came from the candidate or the API is put into the DOM with
// text nodes (Element.append(string) / textContent). Nothing here ever assigns innerHTML.

const STORAGE_KEY = "interviewer.session";

// ---------------------------------------------------------------------------------------------------
// UI strings
// ---------------------------------------------------------------------------------------------------
const I18N = {
  zh: {
    htmlLang: "zh-CN",
    title: "模拟机器学习面试",
    intro: "选择主题和题量，开始一场模拟面试。每次回答后都会看到评分卡：覆盖了哪些要点、依据是回答中的哪一句。",
    topics: "主题",
    topicsHint: "不选则从全部主题中出题。",
    selectGroup: "选择/取消本组",
    groups: { seed: "经典基础（源文章 24 题）", modern: "当下常考（Transformer、训练、生成模型等，项目自撰）" },
    selectAll: "全选",
    selectNone: "清空",
    questionsCount: (n) => `${n} 题`,
    loadingTopics: "正在加载主题…",
    language: "语言",
    nQuestions: "题目数量",
    maxFollowups: "每题最多追问",
    start: "开始面试",
    starting: "正在开始…",
    newInterview: "开始新面试",
    questionLabel: (i, n) => `题 ${i}/${n}`,
    followup: "追问",
    nextQuestion: "下一题",
    finished: "面试结束",
    interviewer: "面试官",
    you: "你",
    yourAnswer: "你的回答",
    placeholder: "输入你的回答…",
    enterHint: "Enter 发送 · Shift+Enter 换行",
    send: "发送",
    sending: "评分中…",
    skip: "跳过",
    grading: "正在评分…",
    judging: "LLM 正在逐条复核要点…",
    judged: "LLM 已复核",
    score: "得分",
    scoreSoFar: (s) => `当前得分 ${s}`,
    progress: (i, n) => `第 ${i}/${n} 题`,
    followupGrade: "追问评分：只看此前遗漏的要点",
    skippedCard: "已跳过，本题不计这次回答的分。",
    covered: "已覆盖",
    notCovered: "未覆盖",
    probability: "概率",
    evidence: "依据",
    keyPointN: (n) => `要点 ${n}`,
    noPoints: "没有需要评分的要点。",
    reportTitle: "面试报告",
    overall: "总分",
    byTopic: "各主题得分",
    byQuestion: "逐题得分",
    coveredPts: "答到的要点",
    hintedSuffix: "（经提示后答出）",
    missedPts: "遗漏的要点",
    none: "无",
    reference: "参考答案",
    toRead: "建议阅读",
    skippedQ: "已跳过",
    strengths: "优势",
    gaps: "不足",
    loadingReport: "正在生成报告…",
    openHtml: "打开 HTML 报告",
    downloadMd: "下载 Markdown",
    preparing: "准备中…",
    retry: "重试",
    networkError: "网络错误，请检查连接后重试。",
    sessionLost: "找不到之前的面试（可能已失效），请重新开始。",
    errors: {
      400: "请求无效",
      401: "会话令牌无效",
      404: "找不到",
      409: "冲突",
      413: "回答太长",
      422: "请求格式错误",
      503: "服务暂时不可用",
      default: "出错了",
    },
    flags: {
      instruction_like: "疑似指令注入",
      question_echo: "复述题目",
      dont_know: "表示不知道",
      too_short: "内容过短",
      keyword_list: "关键词堆砌",
      off_topic: "离题",
      other_question: "更像另一道题的答案",
    },
  },
  en: {
    htmlLang: "en",
    title: "Mock ML interview",
    intro: "Pick topics and a length, then answer like in a real interview. After every reply you get a grade card: which key points you covered and which sentence of your answer shows it.",
    topics: "Topics",
    topicsHint: "Select none to draw from all topics.",
    selectGroup: "Select/clear group",
    groups: { seed: "Foundations (the source article's 24 topics)", modern: "Asked today (transformers, training, generative models; the project's own notes)" },
    selectAll: "Select all",
    selectNone: "Clear",
    questionsCount: (n) => `${n} q.`,
    loadingTopics: "Loading topics…",
    language: "Language",
    nQuestions: "Questions",
    maxFollowups: "Max follow-ups",
    start: "Start interview",
    starting: "Starting…",
    newInterview: "New interview",
    questionLabel: (i, n) => `Question ${i}/${n}`,
    followup: "Follow-up",
    nextQuestion: "Next question",
    finished: "Interview finished",
    interviewer: "Interviewer",
    you: "You",
    yourAnswer: "Your answer",
    placeholder: "Type your answer…",
    enterHint: "Enter sends · Shift+Enter new line",
    send: "Send",
    sending: "Grading…",
    skip: "Skip",
    grading: "Grading…",
    judging: "The LLM is checking the key points…",
    judged: "checked by the LLM",
    score: "Score",
    scoreSoFar: (s) => `Score so far ${s}`,
    progress: (i, n) => `Question ${i}/${n}`,
    followupGrade: "Follow-up grade: only the points still missing",
    skippedCard: "Skipped - this reply earns no points.",
    covered: "covered",
    notCovered: "not covered",
    probability: "probability",
    evidence: "Evidence",
    keyPointN: (n) => `Key point ${n}`,
    noPoints: "No key points to grade.",
    reportTitle: "Interview report",
    overall: "Overall score",
    byTopic: "Score by topic",
    byQuestion: "Score by question",
    coveredPts: "Points covered",
    hintedSuffix: " (after a hint)",
    missedPts: "Points missed",
    none: "none",
    reference: "Reference answer",
    toRead: "What to read",
    skippedQ: "skipped",
    strengths: "Strengths",
    gaps: "Gaps",
    loadingReport: "Preparing the report…",
    openHtml: "Open HTML report",
    downloadMd: "Download Markdown",
    preparing: "Preparing…",
    retry: "Retry",
    networkError: "Network error - check the connection and try again.",
    sessionLost: "The previous interview could not be found (it may have expired). Please start a new one.",
    errors: {
      400: "Invalid request",
      401: "Invalid session token",
      404: "Not found",
      409: "Conflict",
      413: "Answer too long",
      422: "Malformed request",
      503: "Service temporarily unavailable",
      default: "Something went wrong",
    },
    flags: {
      instruction_like: "Instruction-like text",
      question_echo: "Repeats the question",
      dont_know: "Says \u201cI don't know\u201d",
      too_short: "Too short",
      keyword_list: "Keyword list",
      off_topic: "Off topic",
      other_question: "Fits another question",
    },
  },
};

// ---------------------------------------------------------------------------------------------------
// State and DOM handles
// ---------------------------------------------------------------------------------------------------
const state = {
  lang: "zh",
  sid: null,
  token: null,
  total: 0,
  index: 0,
  waiting: false,
  done: false,
  topics: null,
  blobUrls: [],
  llm: false,
};

const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);
const ui = {};

function t() {
  return I18N[state.lang] || I18N.en;
}

/** Create an element. attrs: plain attributes (and `class`); children: nodes or strings (as text). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : String(c));
  }
  return node;
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

function errorText(err) {
  if (!(err instanceof ApiError)) return `${t().errors.default}: ${err && err.message ? err.message : err}`;
  if (err.status === 0) return t().networkError;
  const head = t().errors[err.status] || t().errors.default;
  return err.detail ? `${head}: ${err.detail}` : head;
}

function showError(node, message) {
  node.textContent = message || "";
  node.hidden = !message;
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
  ui.answer.placeholder = s.placeholder;
  if (state.topics) renderTopics(state.topics);
  updateStatus();
}

function updateStatus(scoreSoFar) {
  const s = t();
  const inSession = Boolean(state.sid);
  ui.newInterview.hidden = !inSession;
  ui.progress.hidden = !inSession || !state.total;
  if (inSession && state.total) ui.progress.textContent = s.progress(Math.max(1, state.index), state.total);
  if (scoreSoFar !== undefined) ui.score.dataset.value = String(scoreSoFar);
  const v = ui.score.dataset.value;
  ui.score.hidden = !inSession || v === undefined;
  if (v !== undefined) ui.score.textContent = s.scoreSoFar(fmtScore(v));
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
      el("span", { class: "topic-count" }, s.questionsCount(tp.questions)),
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
          el("span", { class: "topic-count" }, s.questionsCount(total)),
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
  state.total = state.index = 0;
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
      showError(ui.startError, errorText(err));
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
    handleNext(res.next);
  } catch (err) {
    showError(ui.startError, errorText(err));
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
  ui.start.hidden = true;
  ui.chat.hidden = false;
  ui.log.replaceChildren();
  ui.answer.value = "";
  showError(ui.answerError, "");
  applyI18n();
}

function scrollTo(node) {
  if (node && node.scrollIntoView) node.scrollIntoView({ block: "nearest", behavior: "smooth" });
}

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
    tags.push(el("span", { class: "tag", "data-testid": "question-label" }, s.questionLabel(move.index, move.total)));
  }
  if (move.kind === "followup") tags.push(el("span", { class: "tag followup", "data-testid": "followup-label" }, s.followup));
  nodes.push(
    el(
      "div",
      { class: `msg interviewer ${move.kind}`, "data-testid": "msg-interviewer", "data-kind": move.kind },
      el("div", { class: "meta" }, el("span", { class: "who" }, s.interviewer), ...tags),
      el("div", { class: "bubble" }, move.text || ""),
    ),
  );
  ui.log.append(...nodes);
  return nodes[nodes.length - 1];
}

function handleNext(move, { scroll = true } = {}) {
  if (!move) return;
  state.total = move.total || state.total;
  if (move.kind !== "done") state.index = move.index;
  const node = renderMove(move);
  updateStatus();
  if (move.kind === "done") {
    ui.composer.hidden = true;
    finish();
    return;
  }
  ui.composer.hidden = false;
  setWaiting(false);
  if (move.kind === "followup" && scroll) streamFollowup(node);
  if (scroll) scrollTo(ui.composer);
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

/** Read a stream of {text} deltas into a bubble; keep what is there if it fails. */
async function streamInto(url, bubble) {
  let text = "";
  await readEvents(url, (event, payload) => {
    if (event === "delta") {
      text += payload.text || "";
      bubble.textContent = text;
    } else if (event === "done") {
      bubble.textContent = payload.text || bubble.textContent;
      if (String(payload.origin).startsWith("llm") && payload.sources && payload.sources.length) {
        bubble.append(el("div", { class: "sources", "data-testid": "stream-sources" }, payload.sources.join(" · ")));
      }
    }
  });
}

/**
 * The embedding grade is shown at once; with an LLM grader its judgements follow, one key point at a time, and
 * the card is redrawn with each (server-sent events from /turns/{n}/judging). If the stream fails, the card keeps
 * what it shows and the transcript or the report has the final grade.
 */
async function streamJudging(node, turn, answer, kind) {
  const note = el("div", { class: "judging", "data-testid": "judging" }, el("span", { class: "spinner", "aria-hidden": "true" }), t().judging);
  node.append(note);
  const redraw = (grade, final) => {
    const card = gradeCard(answer, grade, kind, false);
    card.dataset.judging = final ? "done" : "pending";
    if (final) card.querySelector(".card-head-text").append(el("span", { class: "badge judged", "data-testid": "judged" }, t().judged));
    node.querySelector('[data-testid="grade-card"]').replaceWith(card);
  };
  await readEvents(`/v1/sessions/${state.sid}/turns/${turn}/judging`, (event, payload) => {
    if (payload.grade) redraw(payload.grade, event === "final");
  });
  note.remove();
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
    el("div", { class: "bubble answer-text", "data-testid": "pending-answer" }, text),
    el("div", { class: "grading", "data-testid": "grading" }, el("span", { class: "spinner", "aria-hidden": "true" }), s.grading),
  );
}

function finishCandidateMessage(node, text, grade, kind, skipped) {
  node.classList.remove("pending");
  node.replaceChildren(el("div", { class: "meta" }, el("span", { class: "who" }, t().you)), gradeCard(text, grade, kind, skipped));
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
          title: hits.map((h) => `${s.keyPointN(h.i + 1)}: ${points[h.i].statement}`).join("\n"),
        },
        piece,
      ),
    );
  }
  return out;
}

function flagBadges(flags, details) {
  const s = t();
  return (flags || []).map((f) =>
    el(
      "span",
      { class: `badge flag flag-${f}`, "data-testid": "flag", "data-flag": f, title: (details && details[f]) || f },
      s.flags[f] || f,
    ),
  );
}

function gradeCard(answer, grade, kind, skipped) {
  const s = t();
  if (!grade) {
    return el(
      "section",
      { class: "card skipped", "data-testid": "grade-card", "data-skipped": "true" },
      el("div", { class: "bubble answer-text", "data-testid": "card-answer" }, answer),
      el("p", { class: "card-note" }, s.skippedCard),
    );
  }
  const points = grade.key_points || [];
  const score = fmtScore(grade.score);
  const header = el(
    "header",
    { class: "card-head" },
    el(
      "span",
      { class: `score ${scoreClass(score)}`, "data-testid": "grade-score", "aria-label": `${s.score} ${score}/100` },
      String(score),
      el("small", {}, "/100"),
    ),
    el(
      "div",
      { class: "card-head-text" },
      kind === "followup" ? el("span", { class: "card-kind" }, s.followupGrade) : null,
      skipped ? el("span", { class: "badge skipped-badge" }, s.skippedQ) : null,
      el("div", { class: "flags" }, ...flagBadges(grade.flags, grade.flag_details)),
    ),
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
          el("div", { class: "kp-statement" }, el("span", { class: "kp-num" }, `${i + 1}.`), p.statement),
          el(
            "div",
            { class: "kp-prob", "data-testid": "kp-probability" },
            el("span", { class: "prob-track", "aria-hidden": "true" }, probFill(p.probability)),
            `${s.probability} ${pct(p.probability)}`,
          ),
          p.covered && p.evidence
            ? el(
                "div",
                { class: "kp-evidence", "data-testid": "kp-evidence" },
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
    el("div", { class: "bubble answer-text", "data-testid": "card-answer" }, ...highlightedAnswer(answer, points)),
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
  const fromBox = text === undefined;
  if (fromBox) text = ui.answer.value;
  showError(ui.answerError, "");
  setWaiting(true);
  let pending = null;
  if (text.trim()) {
    pending = candidateMessage(text);
    ui.log.append(pending);
    scrollTo(pending);
  }
  if (fromBox) ui.answer.value = "";
  const kind = currentKind();
  try {
    const res = await api(`/v1/sessions/${encodeURIComponent(state.sid)}/answers`, { method: "POST", body: { text }, auth: true });
    if (!pending) {
      pending = candidateMessage(text);
      ui.log.append(pending);
    }
    finishCandidateMessage(pending, text, res.grade, kind, res.skipped);
    if (res.grade && res.grade.judging === "pending") streamJudging(pending, res.turn, text, kind);
    if (state.llm && res.grade) {
      const note = el("div", { class: "msg interviewer feedback", "data-testid": "msg-feedback" }, el("div", { class: "bubble" }, ""));
      pending.after(note);
      streamInto(`/v1/sessions/${state.sid}/feedback`, note.querySelector(".bubble"));
    }
    updateStatus(res.score_so_far);
    handleNext(res.next);
  } catch (err) {
    if (pending) pending.remove();
    if (fromBox && !ui.answer.value) ui.answer.value = text;
    setWaiting(false);
    showError(ui.answerError, errorText(err));
    if (err instanceof ApiError && (err.status === 401 || err.status === 404)) {
      clearSession();
    } else if (err instanceof ApiError && err.status === 409) {
      // The server moved on (answered elsewhere or finished): show its state.
      const saved = loadSession();
      if (saved) resume(saved).catch(() => {});
    }
    ui.answer.focus();
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
  const holder = el("section", { class: "report", "data-testid": "report", "aria-busy": "true" }, el("p", { class: "hint" }, t().loadingReport));
  ui.log.append(holder);
  await loadReport(holder);
}

async function loadReport(holder) {
  try {
    const rep = await api(`/v1/sessions/${encodeURIComponent(state.sid)}/report?format=json`, { auth: true });
    renderReport(holder, rep);
    holder.removeAttribute("aria-busy");
    scrollTo(holder.querySelector("h2"));
  } catch (err) {
    const retry = el("button", { type: "button", class: "secondary", "data-testid": "report-retry" }, t().retry);
    retry.addEventListener("click", () => {
      holder.replaceChildren(el("p", { class: "hint" }, t().loadingReport));
      loadReport(holder);
    });
    holder.replaceChildren(el("p", { class: "error", role: "alert", "data-testid": "report-error" }, errorText(err)), retry);
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
  return items.map((x) => el("li", { class: cls }, el("span", { class: "check", "aria-hidden": "true" }, mark), `${x}${suffix}`));
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
      el("span", { class: "rq-text" }, q.question),
      el("span", { class: `score small ${scoreClass(v)}`, "data-testid": "report-question-score" }, String(v), el("small", {}, "/100")),
    ),
    q.skipped || (q.flags || []).length
      ? el("div", { class: "flags" }, q.skipped ? el("span", { class: "badge skipped-badge" }, s.skippedQ) : null, ...flagBadges(q.flags))
      : null,
    el("h4", {}, s.coveredPts),
    el("ul", { class: "points", "data-testid": "report-covered" }, covered.length ? covered : el("li", { class: "none" }, s.none)),
    el("h4", {}, s.missedPts),
    el("ul", { class: "points", "data-testid": "report-missed" }, missed.length ? missed : el("li", { class: "none" }, s.none)),
    el("details", {}, el("summary", {}, s.reference), el("p", { class: "reference" }, q.reference || "")),
    passages.length
      ? el(
          "details",
          {},
          el("summary", {}, `${s.toRead} (${passages.length})`),
          ...passages.map((p) =>
            el(
              "div",
              { class: "passage" },
              el("div", { class: "passage-title" }, p.title || ""),
              el("div", { class: "passage-src" }, `${p.file}:${p.start_line}${p.end_line !== p.start_line ? `-${p.end_line}` : ""}`),
              el("p", {}, p.text || ""),
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
      showError(actionsError, errorText(err));
    }
  };
  prepare(htmlLink, "html", "text/html;charset=utf-8");
  prepare(mdLink, "md", "text/markdown;charset=utf-8");
}

function newInterview() {
  clearSession();
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
  const s = await api(`/v1/sessions/${encodeURIComponent(saved.id)}`, { auth: true });
  state.lang = s.language === "en" ? "en" : "zh";
  saveSession();
  openChat();
  const total = (s.next && s.next.total) || (s.config && s.config.n_questions) || 0;
  let index = 0;
  for (const turn of s.transcript || []) {
    if (turn.kind === "question") index += 1;
    renderMove({ kind: turn.kind, text: turn.prompt, question_id: turn.question_id, index, total });
    const node = candidateMessage(turn.answer);
    ui.log.append(node);
    finishCandidateMessage(node, turn.answer, turn.grade, turn.kind, turn.skipped ?? turn.grade === null);
  }
  state.total = total;
  state.index = index;
  updateStatus(s.transcript && s.transcript.length ? s.score_so_far : undefined);
  if (s.next) handleNext(s.next);
  else if (s.finished) {
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
    progress: $("progress"),
    score: $("score-so-far"),
    newInterview: $("new-interview"),
  });
  fillSelect(ui.nQuestions, 1, 10, 3);
  fillSelect(ui.maxFollowups, 0, 3, 2);
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
