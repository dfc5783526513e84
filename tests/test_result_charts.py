"""End users' result charts, drawn by the console's chart code: word_frequency's top words,
csv_profile's histogram per numeric column and top values per text column, each with its table."""

import io
import re

from jobs.csv_rules import histogram
from tests.console_helpers import run_worker


def finished_page(app, client, task: str, data: dict) -> str:
    response = client.post(f"/tasks/{task}", data=data, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)
    run_worker(app)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "status-finished" in page
    return page


def test_word_frequency_draws_its_top_words(app, client):
    page = finished_page(app, client, "word_frequency", {"text": "b a b c b a", "top": "10"})
    picture = page[page.index('id="picture-top-words"') :]
    picture = picture[: picture.index("</svg>")]
    assert '<title id="chart-top-words-title">Most frequent words</title>' in picture
    assert re.findall(r"<title>(\w): (\d)</title>", picture) == [("b", "3"), ("a", "2"), ("c", "1")]
    assert 'id="top-words"' in page  # the table beside it, as before


def test_csv_profile_draws_a_histogram_and_top_values(app, client):
    rows = "\n".join(f"{i},{'red' if i % 3 else 'blue'}" for i in range(1, 101))
    data = {"csv": (io.BytesIO(f"n,colour\n{rows}\n".encode()), "numbers.csv")}
    page = finished_page(app, client, "csv_profile", data)
    histogram_chart = page[page.index('id="chart-hist-1"') :]
    histogram_chart = histogram_chart[: histogram_chart.index("</figure>")]
    assert "Values of n" in histogram_chart
    assert histogram_chart.count("<rect") == 10
    assert re.findall(r'<td class="num">(\d+)</td>', histogram_chart) == ["10"] * 10
    top = page[page.index('id="picture-top-2"') :]
    assert re.findall(r"<title>(\w+): (\d+)</title>", top[: top.index("</svg>")]) == [
        ("red", "67"),
        ("blue", "33"),
    ]


def test_histogram_bins():
    numbers = [1, 2, 2, 3, 10]
    found = histogram(1, 10, 5, lambda edge: sum(x < edge for x in numbers))
    assert (
        found["counts"] == [1, 2, 1, 0, 0, 0, 0, 0, 0, 1]
        and found["edges"][0] == 1
        and found["edges"][-1] == 10
    )
    assert histogram(5, 5, 3, None) == {"edges": [5, 5], "counts": [3]}
