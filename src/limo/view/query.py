"""Samples and compare queries: filter the in-memory rows, page on the server, read only the page's lines.

Text search looks for the query in each samples file's raw bytes (as JSON-escaped text, so `\\frac` and
quotes match what the model wrote) and in the problem text, and maps hits back to rows by offset; it
never builds full Sample objects for rows that are not shown.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from limo.errors import LimoError
from limo.view.runs import Bench, Run
from limo.view.samples import Row, load_sample

MAX_PAGE = 200


@dataclass(frozen=True)
class Filters:
    bench: str = ""
    reason: str = ""  # a verdict reason (equal, not_equal, no_answer, ...) or "ungraded"
    correct: str = ""  # "yes" | "no" | ""
    truncated: str = ""  # "yes" | "no" | ""
    judge: str = ""  # "disagree": judged and the judge differs from the rules
    paper: str = ""  # "disagree": limo's rule verdict differs from the paper grader's
    q: str = ""

    @classmethod
    def from_params(cls, params: dict[str, str]) -> Filters:
        known = {f: params.get(f, "") for f in cls.__dataclass_fields__}
        for name, allowed in (("correct", ("", "yes", "no")), ("truncated", ("", "yes", "no")),
                              ("judge", ("", "disagree")), ("paper", ("", "disagree"))):
            if known[name] not in allowed:
                raise LimoError(f"filter {name}={known[name]!r}: expected one of {allowed}")
        return cls(**known)


def _yes_no(value: bool | None, want: str) -> bool:
    return not want or (value is True) == (want == "yes")


def matches(bench: Bench, row: Row, f: Filters) -> bool:
    if f.reason and (row.reason or "ungraded") != f.reason:
        return False
    if not _yes_no(bench.index.correct(row), f.correct):
        return False
    if not _yes_no(row.finish_reason == "length", f.truncated):
        return False
    if f.judge:
        judged, verdict = bench.index.judge_of(row)
        if not judged or bool(verdict) == bool(row.rule_correct):
            return False
    if f.paper and (row.paper is None or row.paper == bool(row.rule_correct)):
        return False
    return True


def ordered_rows(bench: Bench) -> list[Row]:
    """Rows in problem order (problems.jsonl), then sample index; unknown problems last."""
    order = {pid: i for i, pid in enumerate(bench.problems())}
    rows = list(bench.index.rows.values())
    rows.sort(key=lambda r: (order.get(r.problem_id, len(order)), r.problem_id, r.sample_index))
    return rows


SEARCH_CHUNK = 8 << 20


def _file_hits(path: Path, rows: list[Row], needle: bytes) -> set[tuple[str, int]]:
    """Rows of one file whose line contains `needle`, reading it in chunks of whole lines."""
    rows = sorted(rows, key=lambda r: r.offset)
    starts = [r.offset for r in rows]
    hits: set[tuple[str, int]] = set()
    with path.open("rb") as f:
        base, carry = 0, b""
        while block := f.read(SEARCH_CHUNK):
            data = carry + block
            end = data.rfind(b"\n") + 1 or len(data)
            chunk, carry = data[:end].lower(), data[end:]  # lower() per chunk: no 300 MB copy
            pos = chunk.find(needle)
            while pos >= 0:
                i = bisect.bisect_right(starts, base + pos) - 1
                if i >= 0 and base + pos + len(needle) <= rows[i].offset + rows[i].length:
                    hits.add((rows[i].problem_id, rows[i].sample_index))
                pos = chunk.find(needle, pos + 1)
            base += end
    return hits


def search_hits(bench: Bench, query: str) -> set[tuple[str, int]]:
    """Keys of samples whose line or problem contains `query` (case-insensitive for ASCII letters)."""
    needle = json.dumps(query, ensure_ascii=False)[1:-1].encode("utf-8").lower()
    by_file: dict[Path, list[Row]] = {}
    for row in bench.index.rows.values():
        by_file.setdefault(row.path, []).append(row)
    hits: set[tuple[str, int]] = set()
    for path, rows in by_file.items():
        hits |= _file_hits(path, rows, needle)
    low = query.lower()
    in_problem = {pid for pid, p in bench.problems().items() if low in str(p.get("problem", "")).lower()}
    hits |= {k for k in bench.index.rows if k[0] in in_problem}
    return hits


CACHE_SIZE = 32  # filter results kept per benchmark: paging through one result set costs one filter pass


def bench_rows(bench: Bench, f: Filters) -> list[Row]:
    """The bench's rows that pass `f`, in display order; cached until the bench changes."""
    stamp = bench.stamp()
    hit = bench.cache.get(f)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    if f == Filters(bench=f.bench):
        rows = ordered_rows(bench)
    else:
        base = bench_rows(bench, Filters(bench=f.bench))
        hits = search_hits(bench, f.q) if f.q else None
        rows = [r for r in base if (hits is None or (r.problem_id, r.sample_index) in hits) and matches(bench, r, f)]
    if len(bench.cache) >= CACHE_SIZE:
        bench.cache.pop(next(iter(bench.cache)))
    bench.cache[f] = (stamp, rows)
    return rows


def filtered(run: Run, f: Filters) -> list[tuple[Bench, list[Row]]]:
    """Per benchmark, its matching rows (lists shared with the cache: not copied, never modified)."""
    names = [f.bench] if f.bench else list(run.benches)
    return [(run.bench(name), bench_rows(run.bench(name), f)) for name in names]


def _slice(parts: list[tuple[Bench, list[Row]]], start: int, stop: int) -> list[tuple[Bench, Row]]:
    out: list[tuple[Bench, Row]] = []
    for bench, rows in parts:
        if start < len(rows) and stop > 0:
            out += [(bench, r) for r in rows[max(start, 0):stop]]
        start, stop = start - len(rows), stop - len(rows)
    return out


def _last_boxed(response: str) -> list[int] | None:
    """The content span of the last balanced \\boxed{...} (the grader's first rule reads the last box)."""
    start = response.rfind("\\boxed{")
    if start < 0:
        return None
    depth, i = 0, start + len("\\boxed")
    for j in range(i, len(response)):
        depth += {"{": 1, "}": -1}.get(response[j], 0)
        if depth == 0:
            return [i + 1, j]
    return None


def answer_span(response: str, extracted: str | None, rule: str | None = None) -> list[int] | None:
    """Where the judged answer stands in the response. Found by the `boxed` rule: inside the last box
    (the whole box when the grader normalised the text, e.g. spaces or \\text{}); otherwise its last
    occurrence, as the grader reads the last answer."""
    if not extracted:
        return None
    box = _last_boxed(response) if rule in (None, "boxed") else None
    if box is not None:
        at = response.find(extracted, box[0], box[1])
        if at >= 0 or rule == "boxed":
            return [at, at + len(extracted)] if at >= 0 else box
    at = response.rfind(extracted)
    return [at, at + len(extracted)] if at >= 0 else None


def sample_view(bench: Bench, row: Row) -> dict[str, Any]:
    """Everything the page shows for one sample."""
    s = load_sample(row)
    p = bench.problem(row.problem_id)
    judged, judge = bench.index.judge_of(row)
    v = s.verdict
    return {
        "bench": bench.name, "problem_id": s.problem_id, "sample_index": s.sample_index,
        "problem": p.problem if p else None, "gold": p.answer if p else None,
        "response": s.response, "extracted": v.extracted if v else None,
        "answer_span": answer_span(s.response, v.extracted if v else None, v.rule if v else None),
        "reason": v.reason if v else "ungraded", "rule": v.rule if v else None,
        "rule_correct": v.correct if v else None, "correct": bench.index.correct(row),
        "judged": judged, "judge": judge, "paper": row.paper,
        "finish_reason": s.finish_reason, "completion_tokens": s.completion_tokens,
        "prompt_tokens": s.prompt_tokens, "max_tokens": s.max_tokens, "chars": len(s.response),
        "model": s.model,
    }


def page_bounds(total: int, page: int, size: int) -> tuple[int, int, int, int]:
    """(page, pages, start, stop) with the page clamped into range."""
    size = max(1, min(size, MAX_PAGE))
    pages = max(1, -(-total // size))
    page = max(0, min(page, pages - 1))
    return page, pages, page * size, (page + 1) * size


def page_of(items: list, page: int, size: int) -> tuple[list, int, int]:
    """(the page's items, pages, the page number clamped into range)."""
    page, pages, start, stop = page_bounds(len(items), page, size)
    return items[start:stop], pages, page


def samples_page(run: Run, f: Filters, page: int, size: int) -> dict[str, Any]:
    parts = filtered(run, f)
    total = sum(len(rows) for _, rows in parts)
    page, pages, start, stop = page_bounds(total, page, size)
    return {"total": total, "page": page, "pages": pages, "size": size,
            "samples": [sample_view(b, r) for b, r in _slice(parts, start, stop)]}


def _scores(bench: Bench) -> dict[str, tuple[int, int]]:
    """problem id -> (correct samples, samples) under the run's own verdicts."""
    out: dict[str, tuple[int, int]] = {}
    for r in bench.index.rows.values():
        c, n = out.get(r.problem_id, (0, 0))
        out[r.problem_id] = (c + bool(bench.index.correct(r)), n + 1)
    return out


def shared_benches(a: Run, b: Run) -> list[str]:
    """Benchmarks both runs have (by A's names); two single-file generate outputs pair with each other."""
    common = [n for n in a.benches if n in b.benches]
    if not common and len(a.benches) == len(b.benches) == 1:
        common = list(a.benches)  # before.jsonl vs after.jsonl: the same problems under two file names
    if not common:
        raise LimoError(f"{a.label} and {b.label} share no benchmark ({sorted(a.benches)} vs {sorted(b.benches)})")
    return common


def _pair(a: Run, b: Run, name: str) -> tuple[Bench, Bench]:
    if name not in shared_benches(a, b):
        raise LimoError(f"{a.label} and {b.label} do not both have {name!r}")
    return a.bench(name), b.benches.get(name) or next(iter(b.benches.values()))


def compare(a: Run, b: Run, bench: str = "", only: str = "", page: int = 0, size: int = 50) -> dict[str, Any]:
    """Per problem: right/wrong in each run (right = most samples correct); flips first."""
    common = shared_benches(a, b)
    items = []
    for name in [bench] if bench else common:
        ba, bb = _pair(a, b, name)
        sa, sb = _scores(ba), _scores(bb)
        for pid in list(ba.problems()) or sorted(sa):
            if pid not in sa or pid not in sb:
                continue
            (ca, na), (cb, nb) = sa[pid], sb[pid]
            right_a, right_b = ca / na > 0.5, cb / nb > 0.5
            items.append({"bench": name, "problem_id": pid, "a": [ca, na], "b": [cb, nb], "right_a": right_a,
                          "right_b": right_b, "flip": "gained" if right_b and not right_a
                          else "lost" if right_a and not right_b else ""})
    flips = {"gained": sum(i["flip"] == "gained" for i in items), "lost": sum(i["flip"] == "lost" for i in items)}
    items.sort(key=lambda i: (not i["flip"], -abs(i["b"][0] / i["b"][1] - i["a"][0] / i["a"][1])))
    if only == "flips":
        items = [i for i in items if i["flip"]]
    shown, pages, page = page_of(items, page, size)
    return {"benches": common, "total": len(items), "page": page, "pages": pages, "flips": flips,
            "problems": shown, "a": a.label, "b": b.label}


def compare_problem(a: Run, b: Run, bench: str, problem_id: str) -> dict[str, Any]:
    """Both runs' samples of one problem, side by side."""
    out: dict[str, Any] = {"bench": bench, "problem_id": problem_id}
    for side, bn in zip(("a", "b"), _pair(a, b, bench)):
        rows = sorted((r for r in bn.index.rows.values() if r.problem_id == problem_id), key=lambda r: r.sample_index)
        out[side] = [sample_view(bn, r) for r in rows]
    return out
