"""`limo view RUN [RUN ...]`: read eval, generate and curate runs in the browser.

Binds 127.0.0.1 on a free port by default and prints the address before serving; `--host` and
`--port` choose explicitly. The server needs the `view` extra (`pip install 'limo[view]'`).
"""

from __future__ import annotations

import argparse
import socket

from limo.errors import LimoError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("runs", nargs="+", metavar="RUN",
                   help="an eval run folder, a generate samples .jsonl file, or a curate run folder")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=0, help="port to bind (default: a free one, printed on start)")


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 lets the OS pick a free one (no race between choosing and binding)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise LimoError(f"cannot listen on {host}:{port}: {e.strerror}") from None
    sock.listen(128)
    return sock


def run(args: argparse.Namespace) -> int:
    try:
        import uvicorn
    except ImportError:
        raise LimoError("limo view needs its extra: pip install 'limo[view]' (starlette, uvicorn)") from None
    from limo.view.app import create_app
    from limo.view.runs import open_runs

    import time

    from limo.view.query import Filters, filtered

    start = time.perf_counter()
    runs = open_runs(args.runs)
    for r in runs:  # index and order every run now, so that the first page is served from memory
        filtered(r, Filters())
    n = sum(len(b.index.rows) for r in runs for b in r.benches.values())
    print(f"limo view: indexed {n:,} samples in {time.perf_counter() - start:.1f} s")
    app = create_app(runs)
    sock = bind(args.host, args.port)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    for r in runs:
        print(f"limo view: {r.kind} run {r.label}: {r.path} ({len(r.benches)} benchmark(s))")
    print(f"limo view: serving on http://{shown}:{port}/  (Ctrl-C to stop)", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    server.run(sockets=[sock])
    return 0
