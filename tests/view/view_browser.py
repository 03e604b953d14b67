"""Headless Chromium for the viewer's tests and README screenshots: Debian's `chromium` + `chromium-driver`
driven by Selenium (installed by `make setup` when root; nothing is downloaded at test time), and a
`limo view` server on a free port in a subprocess, exactly as a user starts it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def missing() -> str | None:
    """Why the browser cannot run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    if not any(Path(p).exists() for p in CHROMIUM):
        return "Debian's chromium is not installed (make browser, as root)"
    if not shutil.which("chromedriver"):
        return "chromium-driver is not installed (make browser, as root)"
    return None


@contextmanager
def serve(paths: list[Path]) -> Iterator[str]:
    """`limo view PATHS` on a free port; yields its URL (read from the line it prints on start)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "limo.cli", "view", *map(str, paths)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = None
        for line in proc.stdout:  # type: ignore[union-attr]
            if "serving on " in line:
                url = line.split("serving on ")[1].split()[0]
                break
        if url is None:
            raise RuntimeError(f"limo view did not start (exit {proc.wait()})")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def chromium(width: int = 1400, height: int = 1000) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = next(p for p in CHROMIUM if Path(p).exists())
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={width},{height}", "--hide-scrollbars"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver: Any, css: str, timeout: float = 20) -> list[Any]:
    """Elements matching `css` once at least one is there."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: d.find_elements(By.CSS_SELECTOR, css) or False)
