"""The README's screenshots of `limo view`, on the test runs of view_runs.py, in headless Chromium:

    PYTHONPATH=src .venv/bin/python tests/view/screenshots.py docs/img

writes docs/img/view-samples.png (wrong answers of the `before` run) and docs/img/view-compare.png
(before vs after training, a gained problem opened side by side).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from view_browser import chromium, missing, serve, wait_for  # noqa: E402
from view_runs import make_eval_runs  # noqa: E402


def main(out: Path) -> None:
    if missing():
        raise SystemExit(f"cannot take screenshots: {missing()}")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        runs = make_eval_runs(Path(tmp))
        with serve(list(runs)) as url, chromium(1280, 1150) as driver:
            shots = [("view-samples.png", "#tab=samples&run=0&correct=no", "article.sample"),
                     ("view-compare.png", "#tab=compare&a=0&b=1&problem=p2&pbench=math500",
                      "#side-by-side article.sample")]
            for name, frag, css in shots:
                driver.get(url + frag)
                wait_for(driver, css)
                driver.execute_script("window.scrollTo(0, 0)")
                time.sleep(0.5)  # fonts
                driver.save_screenshot(str(out / name))
                print(f"wrote {out / name}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img"))
