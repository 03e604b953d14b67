// Text with LaTeX -> HTML: math segments rendered by KaTeX (shipped in static/katex), the rest escaped.
// The judged answer (a [start, end) span of the original text) is highlighted where it stands: inside
// maths by wrapping it in \htmlClass{limo-answer}{...}, in plain text with <mark>.
"use strict";

const MATH_OPEN = [["$$", "$$", true], ["\\[", "\\]", true], ["\\(", "\\)", false], ["$", "$", false]];

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
}

// End of a balanced {...} group starting at text[i] == "{" (index after the closing brace), or -1.
function braceEnd(text, i) {
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    if (text[j] === "\\") { j++; continue; }
    if (text[j] === "{") depth++;
    else if (text[j] === "}" && --depth === 0) return j + 1;
  }
  return -1;
}

// Split text into [{start, end, math, tex, display}] segments covering it exactly.
function segments(text) {
  const out = [];
  let plain = 0, i = 0;
  const push = (s, e, seg) => { if (s > plain) out.push({start: plain, end: s, math: false}); out.push(seg); plain = e; };
  while (i < text.length) {
    const ch = text[i];
    if (ch !== "$" && ch !== "\\") { i++; continue; }
    if (ch === "\\" && text.startsWith("\\boxed{", i)) {  // a bare \boxed{...} outside delimiters
      const e = braceEnd(text, i + 6);
      if (e > 0) { push(i, e, {start: i, end: e, math: true, tex: text.slice(i, e), texStart: i, display: false}); i = e; continue; }
    }
    let matched = false;
    for (const [open, close, display] of MATH_OPEN) {
      if (!text.startsWith(open, i)) continue;
      if (open === "$" && text[i - 1] === "\\") break;  // an escaped dollar
      const e = text.indexOf(close, i + open.length);
      if (e < 0 || e === i + open.length || (open === "$" && text.slice(i + 1, e).includes("\n\n"))) break;
      push(i, e + close.length, {start: i, end: e + close.length, math: true, tex: text.slice(i + open.length, e),
                                 texStart: i + open.length, display});
      i = e + close.length;
      matched = true;
      break;
    }
    if (!matched) i += ch === "\\" ? 2 : 1;
  }
  if (plain < text.length) out.push({start: plain, end: text.length, math: false});
  return out;
}

function katexHtml(tex, display) {
  return katex.renderToString(tex, {displayMode: display, throwOnError: true, strict: "ignore",
                                    trust: ctx => ctx.command === "\\htmlClass"});
}

function renderSegment(text, seg, span) {
  const hit = span && span[0] < seg.end && span[1] > seg.start;
  if (!seg.math) {
    const part = text.slice(seg.start, seg.end);
    if (!hit) return escapeHtml(part);
    const a = Math.max(span[0], seg.start) - seg.start, b = Math.min(span[1], seg.end) - seg.start;
    return escapeHtml(part.slice(0, a)) + '<mark class="limo-answer">' + escapeHtml(part.slice(a, b)) +
           "</mark>" + escapeHtml(part.slice(b));
  }
  const texEnd = seg.texStart + seg.tex.length;
  if (hit && span[0] >= seg.texStart && span[1] <= texEnd) {
    const a = span[0] - seg.texStart, b = span[1] - seg.texStart;
    const marked = seg.tex.slice(0, a) + "\\htmlClass{limo-answer}{" + seg.tex.slice(a, b) + "}" + seg.tex.slice(b);
    try { return katexHtml(marked, seg.display); } catch (e) { /* fall through: mark the whole formula */ }
  }
  try {
    const html = katexHtml(seg.tex, seg.display);
    return hit ? '<span class="limo-answer">' + html + "</span>" : html;
  } catch (e) {
    return '<span class="tex-error" title="' + escapeHtml(e.message) + '">' + escapeHtml(text.slice(seg.start, seg.end)) + "</span>";
  }
}

// HTML for text with maths; `span` is [start, end) in `text` to highlight, or null.
function renderMath(text, span) {
  if (text === null || text === undefined) return '<span class="muted">–</span>';
  text = String(text);
  return segments(text).map(seg => renderSegment(text, seg, span)).join("");
}

// A bare answer or gold (no delimiters): render it as one formula when KaTeX accepts it.
function renderAnswer(value) {
  if (value === null || value === undefined) return '<span class="muted">none</span>';
  const s = typeof value === "string" ? value : JSON.stringify(value);
  if (/\$|\\\(|\\\[/.test(s)) return renderMath(s, null);
  try { return katexHtml(s, false); } catch (e) { return escapeHtml(s); }
}

// Where the thinking ends: after </think>, or, for a long chain without tags, before its last paragraphs.
function thinkingSplit(text) {
  const tag = text.lastIndexOf("</think>");
  let cut = tag >= 0 ? tag + "</think>".length : 0;
  if (tag < 0 && text.length >= 2500) {
    cut = text.lastIndexOf("\n\n", text.length - 1200);
    if (cut < 500) return 0;
  }
  while (cut > 0 && cut < text.length && /\s/.test(text[cut])) cut++;  // no blank lines atop the answer part
  return cut;
}

// The response: thinking collapsed in a <details>, the rest shown, the answer highlighted in either.
function renderResponse(text, span) {
  const split = thinkingSplit(text);
  const shift = (s, off, len) => s && s[0] >= off && s[1] <= off + len ? [s[0] - off, s[1] - off] : null;
  const tail = text.slice(split);
  let html = "";
  if (split > 0) {
    const head = text.slice(0, split);
    html += '<details class="thinking"><summary>thinking: ' + head.length.toLocaleString() +
            " characters (click to expand)</summary><div class=\"text\">" + renderMath(head, shift(span, 0, head.length)) +
            "</div></details>";
  }
  return html + '<div class="text">' + renderMath(tail, shift(span, split, tail.length)) + "</div>";
}
