// limo view: tabs, state in the URL hash (a view can be shared or reloaded), Overview and Samples.
// Compare and Curate live in compare.js; maths rendering in math.js.
"use strict";

const state = {tab: "samples", run: "0", page: "0"};
let RUNS = [];

async function api(path, params) {
  const q = new URLSearchParams(Object.entries(params || {}).filter(([, v]) => v !== "" && v !== undefined));
  const res = await fetch(path + (q.toString() ? "?" + q : ""));
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}

const $ = sel => document.querySelector(sel);
const pct = x => x === null || x === undefined ? "–" : (100 * x).toFixed(1);
const el = (tag, attrs, html) => Object.assign(document.createElement(tag), attrs || {}, html !== undefined ? {innerHTML: html} : {});

function readHash() {
  const q = new URLSearchParams(location.hash.slice(1));
  for (const k of Object.keys(state)) if (!["tab", "run", "page"].includes(k)) delete state[k];
  Object.assign(state, {tab: "samples", run: "0", page: "0"}, Object.fromEntries(q));
}

function go(changes) {
  Object.assign(state, changes);
  const q = new URLSearchParams(Object.entries(state).filter(([, v]) => v !== "" && v !== undefined));
  location.hash = q.toString();
}

function select(name, options, value, label) {
  const opts = options.map(([v, t]) => `<option value="${escapeHtml(v)}"${v === value ? " selected" : ""}>${escapeHtml(t)}</option>`);
  return `<label>${label} <select name="${name}">${opts.join("")}</select></label>`;
}

function runOptions(kinds) {
  return RUNS.filter(r => !kinds || kinds.includes(r.kind)).map(r => [String(r.id), `${r.label} (${r.kind})`]);
}

function pager(data, onPage) {
  const nav = el("div", {className: "pager"});
  const page = Number(data.page);
  nav.innerHTML = `<button ${page <= 0 ? "disabled" : ""} data-p="${page - 1}">‹ prev</button>
    <span>page ${page + 1} of ${data.pages} · ${data.total.toLocaleString()} match</span>
    <button ${page + 1 >= data.pages ? "disabled" : ""} data-p="${page + 1}">next ›</button>`;
  nav.querySelectorAll("button").forEach(b => b.onclick = () => onPage(b.dataset.p));
  return nav;
}

// ---------- Overview ----------
async function showOverview(main) {
  const o = await api(`/api/runs/${state.run}/overview`);
  const rows = Object.entries(o.benchmarks).map(([name, b]) => {
    const m = b.metrics || {}, ci = m.ci95 || [null, null];
    const ks = Object.keys(m.pass_at_k || {}), top = ks[ks.length - 1];
    const p = b.protocol || {};
    const reasons = Object.entries(b.grader_reasons || {}).map(([k, v]) => `${k} ${v}`).join(", ");
    return `<tr><td><a href="#tab=samples&run=${state.run}&bench=${encodeURIComponent(name)}">${escapeHtml(name)}</a></td>
      <td class="num">${m.n ?? "–"}</td><td class="num">${m.n_problems ?? 0}</td>
      <td class="num"><b>${pct(m.avg_at_n)}</b></td><td>[${pct(ci[0])}, ${pct(ci[1])}]</td>
      <td>${top ? `@${top}: ${pct(m.pass_at_k[top])}` : "–"}</td>
      <td>${top && !b.live ? `@${top}: ${pct(m.maj_at_k[top])}` : "–"}</td>
      <td class="num">${pct(m.truncation_rate)}</td><td class="num">${pct(m.no_answer_rate)}</td>
      <td class="num">${m.length && m.length.mean != null ? Math.round(m.length.mean) : "–"}</td>
      <td>${escapeHtml(reasons)}</td><td class="num">${b.judge_disagreements}</td><td class="num">${b.paper_disagreements}</td>
      <td class="small">${p.n !== undefined ? `n=${p.n}, T=${p.temperature}, top_p=${p.top_p}, max_tokens=${p.max_tokens}${p.judge ? ", judge" : ""}` : ""}
      ${b.live ? `<br><span class="live">live: ${b.samples_done} of ${b.samples_expected ?? "?"} samples</span>` : ""}</td></tr>`;
  });
  main.innerHTML = `<h2>${escapeHtml(o.label)} <span class="muted">${escapeHtml(o.kind)} · ${escapeHtml(o.model || "")}</span></h2>
    ${o.writer ? `<p class="live">being written now by ${escapeHtml(o.writer)}</p>` : ""}
    <p class="muted">${escapeHtml(o.path)} · ${o.finished ? "finished (results.json)" :
      "in progress or not summarised: metrics computed live over complete problems (short bootstrap, no maj@k)"}
    ${o.overall && o.overall.mean_avg_at_n != null ? ` · <b>average avg@n ${pct(o.overall.mean_avg_at_n)}%</b>` : ""}</p>
    <table class="grid"><thead><tr><th>benchmark</th><th>n</th><th>problems</th><th>avg@n %</th><th>95% CI</th>
    <th>pass@k %</th><th>maj@k %</th><th>truncated %</th><th>no answer %</th><th>mean tokens</th><th>grader reasons</th>
    <th>judge ≠ rule</th><th>paper ≠ limo</th><th>protocol</th></tr></thead><tbody>${rows.join("")}</tbody></table>
    <div class="plots">${o.plots.map(p => `<figure><img src="/api/runs/${state.run}/file?path=${encodeURIComponent(p)}" alt="${escapeHtml(p)}"><figcaption>${escapeHtml(p)}</figcaption></figure>`).join("")}</div>`;
}

// ---------- Samples ----------
const FILTERS = ["bench", "reason", "correct", "truncated", "judge", "paper", "q"];
const REASONS = ["equal", "not_equal", "no_answer", "timeout", "invalid_gold", "error", "ungraded"];

function badge(ok, yes, no) {
  if (ok === null || ok === undefined) return "";  // the reason badge says "ungraded"
  return ok ? `<span class="badge green">${yes}</span>` : `<span class="badge red">${no}</span>`;
}

function sampleCard(s, withProblem = true) {
  const card = el("article", {className: "sample " + (s.correct ? "ok" : s.correct === false ? "bad" : "")});
  const extra = [];
  if (s.judged) extra.push(`judge: ${s.judge === null ? "judge error" : s.judge ? "correct" : "wrong"}`);
  if (s.paper !== null && s.paper !== undefined) extra.push(`paper grader: ${s.paper ? "correct" : "wrong"}`);
  const truncated = s.finish_reason === "length";
  card.innerHTML = `<header><b>${escapeHtml(s.bench)}</b> · ${escapeHtml(s.problem_id)} · sample ${s.sample_index}
      ${badge(s.correct, "correct", "incorrect")} <span class="badge gray">${escapeHtml(s.reason)}</span>
      ${s.rule ? `<span class="muted">rule ${escapeHtml(s.rule)}</span>` : ""}
      ${truncated ? '<span class="badge orange">truncated</span>' : ""}
      ${extra.map(x => `<span class="badge blue">${escapeHtml(x)}</span>`).join(" ")}
      <span class="muted right">finish ${escapeHtml(s.finish_reason ?? "–")} · ${s.completion_tokens ?? "?"} tokens
      (prompt ${s.prompt_tokens ?? "?"}, cap ${s.max_tokens ?? "?"}) · ${s.chars.toLocaleString()} chars</span></header>
    ${withProblem ? `<section class="problem"><h4>Problem</h4><div class="text">${renderMath(s.problem, null)}</div></section>` : ""}
    <div class="answers"><div><h4>Gold</h4>${renderAnswer(s.gold)}</div>
      <div><h4>Extracted</h4>${renderAnswer(s.extracted)}${s.extracted && !s.answer_span ? ' <span class="muted">(not found verbatim in the response)</span>' : ""}</div></div>
    <section class="response"><h4>Response</h4>${s.response.trim() ? renderResponse(s.response, s.answer_span)
      : `<p class="muted">(only whitespace: ${s.chars} characters)</p>`}</section>`;
  return card;
}

async function showSamples(main) {
  const run = RUNS[Number(state.run)];
  const bar = el("form", {className: "filters"});
  bar.innerHTML = select("bench", [["", "all benchmarks"], ...run.benches.map(b => [b, b])], state.bench || "", "benchmark") +
    select("reason", [["", "any"], ...REASONS.map(r => [r, r])], state.reason || "", "verdict reason") +
    select("correct", [["", "all"], ["yes", "correct"], ["no", "incorrect"]], state.correct || "", "answers") +
    select("truncated", [["", "all"], ["yes", "truncated"], ["no", "not truncated"]], state.truncated || "", "finish") +
    `<label><input type="checkbox" name="judge" value="disagree" ${state.judge ? "checked" : ""}> judge ≠ rule</label>
     <label><input type="checkbox" name="paper" value="disagree" ${state.paper ? "checked" : ""}> paper grader ≠ limo</label>
     <label>search <input type="search" name="q" value="${escapeHtml(state.q || "")}" placeholder="text in problem or response"></label>`;
  bar.onchange = bar.onsubmit = ev => {
    ev.preventDefault();
    const f = Object.fromEntries(FILTERS.map(k => [k, ""]));
    new FormData(bar).forEach((v, k) => { f[k] = v; });
    go({...f, page: "0"});
  };
  main.replaceChildren(bar, el("p", {className: "muted"}, "loading…"));
  const params = Object.fromEntries(FILTERS.map(k => [k, state[k] || ""]));
  const data = await api(`/api/runs/${state.run}/samples`, {...params, page: state.page, size: 20});
  const list = el("div", {id: "samples"});
  data.samples.forEach(s => list.append(sampleCard(s)));
  if (!data.samples.length) list.innerHTML = '<p class="muted">no sample matches these filters</p>';
  main.replaceChildren(bar, pager(data, p => go({page: p})), list, pager(data, p => go({page: p})));
}

// ---------- shell ----------
const TABS = {overview: showOverview, samples: showSamples, compare: showCompare, curate: showCurate};

async function render() {
  readHash();
  document.body.dataset.ready = "";
  const run = RUNS[Number(state.run)] || RUNS[0];
  if (run && run.kind === "curate" && ["samples", "overview"].includes(state.tab)) state.tab = "curate";
  document.querySelectorAll("nav.tabs a").forEach(a => a.classList.toggle("active", a.dataset.tab === state.tab));
  const picker = $("#run");
  picker.innerHTML = runOptions().map(([v, t]) => `<option value="${v}"${v === state.run ? " selected" : ""}>${escapeHtml(t)}</option>`).join("");
  picker.parentElement.hidden = state.tab === "compare";
  const main = $("main");
  try {
    await TABS[state.tab](main);
  } catch (e) {
    main.innerHTML = `<p class="error">${escapeHtml(e.message)}</p>`;
  }
  document.body.dataset.ready = state.tab;  // tests wait for this
}

// A tab opens on a run it can show: Curate on a curate run, Overview and Samples on an eval/generate run.
function openTab(tab) {
  const current = RUNS[Number(state.run)];
  const wantsCurate = tab === "curate";
  let run = state.run;
  if (current && (current.kind === "curate") !== wantsCurate && tab !== "compare") {
    const other = RUNS.find(r => (r.kind === "curate") === wantsCurate);
    if (other) run = String(other.id);
  }
  go({tab, run, page: "0"});
}

async function start() {
  RUNS = await api("/api/runs");
  document.querySelectorAll("nav.tabs a").forEach(a => a.onclick = ev => { ev.preventDefault(); openTab(a.dataset.tab); });
  $("#run").onchange = ev => go({tab: state.tab, run: ev.target.value, page: "0", bench: ""});
  window.onhashchange = render;
  await render();
}

start();
