"""Each task's form, submitted in a real browser: with JavaScript on the job page updates in place to the
result (no reload); with JavaScript off it gets there by meta refresh.

url_words is left out: it fetches a public web page, which tests cannot reach here.
"""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.test_accessibility import serious_violations
from tests.helpers import JOB_URL

pytestmark = pytest.mark.browser


def png(colour, size=(300, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def fill_countdown(page):
    page.fill("input[name=seconds]", "2")
    return "Waited 2 seconds."


def fill_csv_profile(page):
    rows = "city,people\n" + "".join(f"Town {i},{i * 10}\n" for i in range(50))
    page.set_input_files(
        "input[name=csv]", files=[{"name": "towns.csv", "mimeType": "text/csv", "buffer": rows.encode()}]
    )
    return "Profiled 50 rows"


def fill_word_frequency(page):
    page.fill("textarea[name=text]", "the cat and the hat and the bat")
    return "Counted 8 words (5 different)"


def fill_thumbnails(page):
    page.set_input_files(
        "input[name=images]",
        files=[
            {"name": "red.png", "mimeType": "image/png", "buffer": png("red")},
            {"name": "blue.png", "mimeType": "image/png", "buffer": png("blue")},
        ],
    )
    return "Made 4 thumbnails of 2"


def fill_primes(page):
    page.fill("input[name=limit]", "1000000")
    return "There are 78,498 primes up to 1,000,000"


TASKS = {
    "countdown": fill_countdown,
    "csv_profile": fill_csv_profile,
    "word_frequency": fill_word_frequency,
    "thumbnails": fill_thumbnails,
    "primes": fill_primes,
}


def submit(page, live_server, task):
    page.goto(f"{live_server}/tasks/{task}")
    expected = TASKS[task](page)
    page.get_by_role("button", name="Start").click()
    page.wait_for_url(JOB_URL)
    return expected


@pytest.mark.parametrize("task", TASKS)
def test_form_with_javascript_updates_in_place_to_the_result(page, live_server, run_jobs, task):
    expected = submit(page, live_server, task)
    page.evaluate("window.__sameDocument = 'yes'")
    run_jobs()  # here, while the page polls the live server's thread
    status = page.locator("#job-status")
    if status.inner_text() in {"queued", "started"}:  # fast tasks may be done at the first render
        page.wait_for_selector("#job-result", timeout=30_000)
        assert page.evaluate("window.__sameDocument") == "yes"
        # the tab's title follows the result in the next step of the page's update: wait for it
        expect(page).to_have_title(re.compile(r"^Done: "))
    assert status.inner_text() == "finished"
    assert expected in page.locator("#job-result").inner_text()
    assert page.console_errors == []
    found = []  # the result as it arrived in place, checked by axe-core in both themes
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        found.extend(serious_violations(page))
    assert found == []


@pytest.mark.parametrize("task", TASKS)
def test_form_without_javascript_reaches_the_result_by_refresh(page_without_js, live_server, run_jobs, task):
    page = page_without_js
    expected = submit(page, live_server, task)
    run_jobs()
    page.wait_for_selector("#job-result", timeout=30_000)
    assert page.locator("#job-status").inner_text() == "finished"
    assert page.title().startswith("Done: ")  # the tab says so without JavaScript too
    assert expected in page.locator("#job-result").inner_text()
