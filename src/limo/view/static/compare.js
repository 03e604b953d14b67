// Compare (two runs, per-problem right/wrong, flips first, side-by-side responses) and Curate
// (funnel, datacard, removed rows beside what they matched).
"use strict";

// ---------- Compare ----------
function mark(right, c, n) {
  return `<span class="badge ${right ? "green" : "red"}">${right ? "right" : "wrong"}</span> <span class="muted">${c}/${n}</span>`;
}

async function showCompare(main) {
  const evals = runOptions(["eval", "generate"]);
  if (evals.length < 2) {
    main.innerHTML = '<p class="muted">Compare needs two eval or generate runs: <code>limo view RUN_A RUN_B</code></p>';
    return;
  }
  const a = state.a || evals[0][0], b = state.b || evals[1][0];
  const bar = el("form", {className: "filters"});
  const data = await api("/api/compare", {a, b, bench: state.bench || "", only: state.only || "", page: state.page, size: 50});
  const benches = data.benches;
  bar.innerHTML = select("a", evals, a, "before (A)") + select("b", evals, b, "after (B)") +
    select("bench", [["", "all shared benchmarks"], ...benches.map(x => [x, x])], state.bench || "", "benchmark") +
    `<label><input type="checkbox" name="only" value="flips" ${state.only ? "checked" : ""}> flips only</label>`;
  bar.onchange = () => {
    const f = {a: "", b: "", bench: "", only: ""};
    new FormData(bar).forEach((v, k) => { f[k] = v; });
    go({...f, page: "0", problem: "", pbench: ""});
  };
  const summary = el("p", {className: "summary"},
    `<b>${escapeHtml(data.a)}</b> → <b>${escapeHtml(data.b)}</b>: ${data.total} problems ·
     <span class="badge green">${data.flips.gained} gained</span> <span class="badge red">${data.flips.lost} lost</span>
     <span class="muted">(right = most of a problem's samples correct; flips first)</span>`);
  const table = el("table", {className: "grid compare"});
  table.innerHTML = `<thead><tr><th>benchmark</th><th>problem</th><th>A: ${escapeHtml(data.a)}</th><th>B: ${escapeHtml(data.b)}</th><th>flip</th></tr></thead>`;
  const body = el("tbody");
  for (const p of data.problems) {
    const tr = el("tr", {className: "clickable" + (p.flip ? " flip-" + p.flip : "") +
      (state.problem === p.problem_id && state.pbench === p.bench ? " selected" : "")});
    tr.innerHTML = `<td>${escapeHtml(p.bench)}</td><td>${escapeHtml(p.problem_id)}</td><td>${mark(p.right_a, ...p.a)}</td>
      <td>${mark(p.right_b, ...p.b)}</td><td>${p.flip ? `<b>${p.flip}</b>` : ""}</td>`;
    tr.onclick = () => go({problem: p.problem_id, pbench: p.bench});
    body.append(tr);
  }
  table.append(body);
  const side = el("div", {id: "side-by-side"});
  main.replaceChildren(bar, summary, pager(data, pg => go({page: pg})), table, side);
  if (state.problem) await showPair(side, a, b, state.pbench, state.problem);
}

async function showPair(box, a, b, bench, id) {
  const d = await api("/api/compare/problem", {a, b, bench, id});
  const first = d.a[0] || d.b[0];
  box.innerHTML = `<h3>${escapeHtml(bench)} · ${escapeHtml(id)}</h3>` + (first ? `<section class="problem"><div class="text">${renderMath(first.problem, null)}</div>
    <p><b>Gold:</b> ${renderAnswer(first.gold)}</p></section>` : "");
  const cols = el("div", {className: "columns"});
  for (const [side, label] of [["a", RUNS[Number(a)].label], ["b", RUNS[Number(b)].label]]) {
    const col = el("div", {className: "column"}, `<h3>${side.toUpperCase()}: ${escapeHtml(label)}</h3>`);
    d[side].forEach(s => col.append(sampleCard(s, false)));
    cols.append(col);
  }
  box.append(cols);
  box.scrollIntoView({block: "start"});
}

// ---------- Curate ----------
async function showCurate(main) {
  const run = RUNS[Number(state.run)];
  if (run.kind !== "curate") {
    main.innerHTML = '<p class="muted">This run is not a curate run; pick one above (<code>limo view runs/curate</code>).</p>';
    return;
  }
  const f = await api(`/api/runs/${state.run}/curate`);
  const top = Math.max(1, ...f.stages.map(s => s.in || 0));
  const funnel = el("div", {className: "funnel"}, "<h3>Funnel</h3>" + f.stages.map(s => `
    <div class="stage"><span class="name">${escapeHtml(s.dir)}</span>
      <span class="bar"><span class="kept" style="width:${100 * (s.kept || 0) / top}%"></span><span class="gone" style="width:${100 * (s.removed || 0) / top}%"></span></span>
      <span class="nums">${s.in ?? "?"} in → <b>${s.kept ?? "?"}</b> kept, ${s.removed ?? 0} removed
      ${Object.entries(s.reasons).map(([r, n]) => `<a href="#tab=curate&run=${state.run}&stage=${s.dir}&reason=${encodeURIComponent(r)}">${escapeHtml(r)} ${n}</a>`).join(" ")}</span></div>`).join(""));
  const card = el("details", {className: "datacard"}, `<summary>DATACARD.md</summary><pre>${escapeHtml(f.datacard || "no DATACARD.md yet")}</pre>`);
  const figs = el("div", {className: "plots"}, f.plots.map(p => `<figure><img src="/api/runs/${state.run}/file?path=${encodeURIComponent(p)}" alt="${escapeHtml(p)}"><figcaption>${escapeHtml(p)}</figcaption></figure>`).join(""));
  const withRemoved = f.stages.filter(s => s.removed);
  const stage = state.stage || (withRemoved[0] || {}).dir;
  main.replaceChildren(funnel, card, figs);
  if (!stage) return;
  const bar = el("form", {className: "filters"});
  const stageInfo = f.stages.find(s => s.dir === stage) || {reasons: {}};
  bar.innerHTML = select("stage", f.stages.map(s => [s.dir, `${s.dir} (${s.removed ?? 0} removed)`]), stage, "removed by") +
    select("reason", [["", "any reason"], ...Object.keys(stageInfo.reasons).map(r => [r, r])], state.reason || "", "reason");
  bar.onchange = ev => go({stage: bar.stage.value, reason: ev.target.name === "stage" ? "" : bar.reason.value, page: "0"});
  const data = await api(`/api/runs/${state.run}/curate/removed`, {stage, reason: state.reason || "", page: state.page, size: 50});
  const list = el("div", {id: "removed"});
  for (const item of data.rows) {
    const {id, reason, problem, kept_problem, item_problem, ...rest} = item.row;
    const div = el("article", {className: "removed"});
    div.innerHTML = `<header><b>${escapeHtml(String(id))}</b> <span class="badge red">${escapeHtml(String(reason))}</span>
      <span class="muted">${escapeHtml(Object.entries(rest).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join(" · "))}</span></header>
      <div class="columns"><div class="column"><h4>removed row</h4><div class="text">${renderMath(item.left, null)}</div></div>
      ${item.right !== null ? `<div class="column"><h4>${escapeHtml(item.right_label)}</h4><div class="text">${renderMath(item.right, null)}</div></div>` : ""}</div>`;
    list.append(div);
  }
  main.append(el("h3", {}, "Removed rows"), bar, pager(data, p => go({page: p})), list);
}
