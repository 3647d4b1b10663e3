// Answers by voice and prompts read aloud, with the browser's Web Speech API. Where the browser lacks it, the
// buttons stay hidden (dictation) or are never made (reading aloud). Dictation only fills the answer box: the
// candidate reads, edits and sends the text themselves.

import { el, icon } from "./dom.js";

function recognitionClass() {
  return window.SpeechRecognition || window.webkitSpeechRecognition || null;
}

function canSpeak() {
  return "speechSynthesis" in window && typeof window.SpeechSynthesisUtterance === "function";
}

function setPressed(button, on, label) {
  button.setAttribute("aria-pressed", on ? "true" : "false");
  button.setAttribute("aria-label", label);
  button.title = label;
}

/**
 * The microphone button of the answer box. strings(): the current string table; onError(message): show (or, with
 * "", clear) a message. Returns stop() (let the last words arrive), abort() (drop them) and relabel().
 */
export function createDictation({ button, box, status, strings, onError }) {
  const Recognition = recognitionClass();
  button.hidden = !Recognition;
  if (!Recognition) return { stop() {}, abort() {}, relabel() {} };

  let current = null; // the recognition whose results still go into the box
  let listening = false;
  let base = "";

  const show = () => {
    const s = strings();
    setPressed(button, listening, listening ? s.dictateStop : s.dictate);
    button.replaceChildren(icon(listening ? "stop" : "mic"));
    button.classList.toggle("on", listening);
    status.textContent = listening ? s.listening : "";
    status.hidden = !listening;
  };

  const start = () => {
    const s = strings();
    onError("");
    // What is typed stays; dictated text goes after it (a space first in English, as words need one).
    const typed = box.value;
    const sep = typed && !/\s$/.test(typed) && s.speechLang.startsWith("en") ? " " : "";
    base = typed + sep;
    const rec = new Recognition();
    rec.lang = s.speechLang;
    rec.interimResults = true;
    rec.continuous = true;
    rec.maxAlternatives = 1;
    rec.onresult = (ev) => {
      if (current !== rec) return;
      let heard = "";
      for (let i = 0; i < ev.results.length; i++) heard += ev.results[i][0].transcript;
      box.value = base + (base ? heard : heard.trimStart());
    };
    rec.onerror = (ev) => {
      if (current !== rec || ev.error === "aborted") return;
      const messages = strings().voiceErrors;
      onError(messages[ev.error] || messages.default);
    };
    rec.onend = () => {
      if (current !== rec) return;
      current = null;
      listening = false;
      show();
    };
    current = rec;
    listening = true;
    show();
    try {
      rec.start();
    } catch {
      current = null;
      listening = false;
      show();
      onError(strings().voiceErrors.default);
    }
  };

  const stop = () => {
    if (!listening) return;
    listening = false;
    show();
    current.stop(); // the words still being recognised arrive before its end event
  };

  const abort = () => {
    if (!current) return;
    const rec = current;
    current = null;
    listening = false;
    show();
    rec.abort();
  };

  button.addEventListener("click", () => {
    if (listening) stop();
    else start();
    box.focus({ preventScroll: true });
  });
  // Typing while dictating takes the box back: what it shows now stays, later recognition results are dropped.
  box.addEventListener("input", abort);
  show();
  return { stop, abort, relabel: show };
}

/**
 * Speaker buttons for the interviewer's messages: one press reads the message aloud, a second press (or a press
 * on another message) stops it. strings(): the current string table.
 */
export function createReader(strings) {
  let speaking = null; // { button, utterance }

  const reset = () => {
    if (!speaking) return;
    setPressed(speaking.button, false, strings().readAloud);
    speaking.button.replaceChildren(icon("speaker"));
    speaking = null;
  };

  const cancel = () => {
    if (!speaking) return;
    reset();
    window.speechSynthesis.cancel();
  };

  /** A button reading text() aloud, or null where the browser cannot speak. */
  const button = (text) => {
    if (!canSpeak()) return null;
    const s = strings();
    const b = el(
      "button",
      { type: "button", class: "icon-button speak", "data-testid": "speak-button", "aria-pressed": "false", "aria-label": s.readAloud, title: s.readAloud },
      icon("speaker"),
    );
    b.addEventListener("click", () => {
      const again = speaking && speaking.button === b;
      cancel();
      if (again) return;
      const u = new window.SpeechSynthesisUtterance(text());
      u.lang = strings().speechLang;
      const done = () => {
        if (speaking && speaking.utterance === u) reset();
      };
      u.onend = done;
      u.onerror = done;
      speaking = { button: b, utterance: u };
      setPressed(b, true, strings().stopReading);
      b.replaceChildren(icon("stop"));
      window.speechSynthesis.speak(u);
    });
    return b;
  };

  return { button, cancel };
}
