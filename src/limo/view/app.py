"""The viewer's HTTP side: one static page and a small JSON API (Starlette; served by uvicorn).

GET /                                   the page (static/index.html, its JS/CSS and KaTeX)
GET /api/runs                           the runs given on the command line
GET /api/runs/{i}/overview              metrics, protocol, plot files
GET /api/runs/{i}/samples?...           one page of filtered samples (see limo.view.query.Filters)
GET /api/runs/{i}/file?path=plots/x.png an image of the run
GET /api/runs/{i}/curate                funnel + datacard;  /curate/removed?stage=&reason=&page=
GET /api/compare?a=&b=&bench=&only=     per-problem right/wrong of two runs, flips first
GET /api/compare/problem?a=&b=&bench=&id=   one problem's samples from both runs

Every request first reads what the runs appended since the last one, so a running eval can be watched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from limo.errors import LimoError
from limo.view.runs import Run

STATIC = Path(__file__).parent / "static"


def _int(params: Any, name: str, default: int) -> int:
    raw = params.get(name, "")
    try:
        return int(raw) if raw != "" else default
    except ValueError:
        raise LimoError(f"{name}={raw!r}: expected an integer") from None


class _Api:
    """The JSON endpoints over the runs given on the command line; each returns plain data."""

    def __init__(self, runs: list[Run]) -> None:
        self.runs = runs

    def run_at(self, value: str, refresh: bool = True) -> Run:
        """The run with index `value` (a path or query parameter), with what it appended since read."""
        i = _int({"run": value}, "run", -1)
        if not 0 <= i < len(self.runs):
            raise LimoError(f"run {value!r}: there are {len(self.runs)} runs (0..{len(self.runs) - 1})")
        if refresh:
            self.runs[i].refresh()
        return self.runs[i]

    def list_runs(self, _: Any) -> list[dict[str, Any]]:
        return [{"id": i, "label": r.label, "kind": r.kind, "path": str(r.path), "benches": list(r.benches)}
                for i, r in enumerate(self.runs)]

    def overview(self, req: Any) -> dict[str, Any]:
        from limo.view import overview

        return overview.overview(self.run_at(req.path_params["i"]))

    def samples(self, req: Any) -> dict[str, Any]:
        from limo.view import query

        run = self.run_at(req.path_params["i"])
        f = query.Filters.from_params(dict(req.query_params))
        return query.samples_page(run, f, _int(req.query_params, "page", 0), _int(req.query_params, "size", 20))

    def funnel(self, req: Any) -> dict[str, Any]:
        from limo.view import curate

        return curate.funnel(self.run_at(req.path_params["i"], False))

    def removed(self, req: Any) -> dict[str, Any]:
        from limo.view import curate

        q = req.query_params
        return curate.removed(self.run_at(req.path_params["i"], False), q.get("stage", ""), q.get("reason", ""),
                              _int(q, "page", 0), _int(q, "size", 50))

    def compare(self, req: Any) -> dict[str, Any]:
        from limo.view import query

        q = req.query_params
        return query.compare(self.run_at(q.get("a", "")), self.run_at(q.get("b", "")), q.get("bench", ""),
                             q.get("only", ""), _int(q, "page", 0), _int(q, "size", 50))

    def compare_problem(self, req: Any) -> dict[str, Any]:
        from limo.view import query

        q = req.query_params
        return query.compare_problem(self.run_at(q.get("a", "")), self.run_at(q.get("b", "")), q.get("bench", ""),
                                     q.get("id", ""))


def _json(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """An endpoint that answers `fn(request)` as JSON, and a LimoError (a bad parameter or a file the user
    can fix) as a 400 that says which."""
    from starlette.responses import JSONResponse

    def endpoint(request: Any) -> Any:
        try:
            return JSONResponse(fn(request))
        except LimoError as e:
            return JSONResponse({"error": str(e)}, status_code=400)
    return endpoint


def create_app(runs: list[Run]) -> Any:
    from starlette.applications import Starlette
    from starlette.responses import FileResponse, JSONResponse
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    from limo.view import overview

    api = _Api(runs)

    def run_file(req: Any) -> Any:
        try:
            path = overview.run_file(api.run_at(req.path_params["i"], False), req.query_params.get("path", ""))
        except LimoError as e:
            return JSONResponse({"error": str(e)}, status_code=400)
        return FileResponse(path) if path else JSONResponse({"error": "no such image"}, status_code=404)

    routes = [
        Route("/", lambda _: FileResponse(STATIC / "index.html")),
        Route("/api/runs", _json(api.list_runs)),
        Route("/api/runs/{i}/overview", _json(api.overview)),
        Route("/api/runs/{i}/samples", _json(api.samples)),
        Route("/api/runs/{i}/file", run_file),
        Route("/api/runs/{i}/curate", _json(api.funnel)),
        Route("/api/runs/{i}/curate/removed", _json(api.removed)),
        Route("/api/compare", _json(api.compare)),
        Route("/api/compare/problem", _json(api.compare_problem)),
        Mount("/static", StaticFiles(directory=STATIC)),
    ]
    return Starlette(routes=routes)
