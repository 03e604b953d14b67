"""`limo view` in a real browser: Debian's headless Chromium through chromium-driver (Selenium).
Skips with the reason when the browser is not installed (`make browser` installs it as root)."""

from __future__ import annotations

import pytest

from view_browser import chromium, missing, serve, wait_for

pytestmark = pytest.mark.skipif(missing() is not None, reason=str(missing()))


def test_samples_filter_katex_and_compare(eval_runs, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    with serve(list(eval_runs)) as url, chromium() as driver:
        driver.get(url + "#tab=samples&run=0")
        assert len(wait_for(driver, "article.sample")) == 12
        Select(driver.find_element(By.NAME, "correct")).select_by_visible_text("incorrect")
        WebDriverWait(driver, 20).until(lambda d: "correct=no" in d.current_url
                                        and d.execute_script("return document.body.dataset.ready") == "samples")
        cards = driver.find_elements(By.CSS_SELECTOR, "article.sample")
        assert len(cards) == 8 and all("bad" in c.get_attribute("class").split() for c in cards)
        assert driver.find_elements(By.CSS_SELECTOR, "article.sample .katex")  # maths rendered by KaTeX
        assert driver.find_elements(By.CSS_SELECTOR, ".response .limo-answer")  # the judged answer, highlighted
        assert not driver.find_elements(By.CSS_SELECTOR, ".tex-error")
        driver.save_screenshot(str(tmp_path / "samples.png"))

        driver.find_element(By.CSS_SELECTOR, "nav.tabs a[data-tab=compare]").click()
        rows = wait_for(driver, "table.compare tbody tr")
        assert "gained" in rows[0].text  # flips first
        rows[0].click()
        columns = wait_for(driver, "#side-by-side .column")
        assert len(columns) == 2
        assert columns[0].find_elements(By.CSS_SELECTOR, "article.sample .katex")
        driver.save_screenshot(str(tmp_path / "compare.png"))
    assert (tmp_path / "samples.png").stat().st_size > 10_000
    assert (tmp_path / "compare.png").stat().st_size > 10_000
