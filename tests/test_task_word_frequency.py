"""word_frequency: counts checked against collections.Counter, chunking properties, one real run."""

import csv
import io
import re
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jobs import word_frequency, word_table
from jobs.errors import TaskInputError
from jobs.word_frequency import STOP_WORDS, count_words, top_words, words_in
from tests.helpers import page, submit


def test_counts_are_case_insensitive_and_keep_apostrophes():
    counts = count_words("The cat's hat. THE hat! 42 cats_and dogs — l’été")
    assert counts["the"] == 2 and counts["hat"] == 2 and counts["cat's"] == 1
    assert counts["l’été"] == 1
    assert "42" not in counts and counts["cats"] == 1 and counts["and"] == 1


def test_stop_words_are_removed_on_request():
    counts = count_words("the quick fox and the lazy dog", stop_words=True)
    assert counts == Counter({"quick": 1, "fox": 1, "lazy": 1, "dog": 1})


def test_large_text_in_many_chunks_matches_counter():
    words = [f"w{'abcdefghij'[i % 10]}{'xyz'[i % 3]}" for i in range(300_000)]
    text = " ".join(words)
    expected = Counter(w.lower() for w in words)
    reports = []
    counts = count_words(text, progress=lambda done, total: reports.append((done, total)), chunk_size=65536)
    assert counts == expected
    assert len(reports) > 10 and reports[-1] == (len(text), len(text))
    assert [d for d, _ in reports] == sorted(d for d, _ in reports)


def test_top_words_have_shares_and_ties_break_alphabetically():
    top = top_words(Counter({"b": 2, "a": 2, "c": 1}), 2)
    assert [(w["word"], w["count"]) for w in top] == [("a", 2), ("b", 2)]
    assert top[0]["share"] == pytest.approx(0.4)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "Upload a text file or paste some text."),
        ({"text": "hi", "top": 0}, "Top must be a whole number from 1 to 1000."),
        ({"text": "hi", "upload": {"file": "in-x"}}, "Either upload a file or paste text, not both."),
    ],
)
def test_validate_explains_bad_parameters(params, message):
    with pytest.raises(TaskInputError, match=re.escape(message)):
        word_frequency.validate(params)


word = st.text(alphabet="abcXYZéß", min_size=1, max_size=8)
separator = st.sampled_from([" ", "\n", ", ", ". ", "\t", " -- ", "; "])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(word, separator), max_size=60), st.integers(1, 40))
def test_property_equals_counter_of_the_words_whatever_the_chunk_size(pairs, chunk_size):
    text = "".join(w + sep for w, sep in pairs)
    expected = Counter(w.lower() for w, _ in pairs)
    assert count_words(text, chunk_size=chunk_size) == expected
    assert sum(count_words(text).values()) == len(pairs)


def test_through_the_worker_with_a_csv_download(client, run_jobs):
    text = "apple banana apple cherry apple banana\n" * 1000
    job_id = submit(
        client, "word_frequency", {"upload": (io.BytesIO(text.encode()), "fruit.txt"), "top": "2"}
    )
    run_jobs()
    html = page(client, job_id)
    assert "Counted 6000 words (3 different) in fruit.txt." in html
    assert "<td>apple</td>" in html and "<td>cherry</td>" not in html  # top 2 only
    response = client.get(f"/jobs/{job_id}/files/words.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="words.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows == [["word", "count"], ["apple", "3000"], ["banana", "2000"], ["cherry", "1000"]]


def test_form_needs_exactly_one_source(client):
    response = client.post("/tasks/word_frequency", data={"top": "5"}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Upload a text file or paste some text." in response.get_data(as_text=True)
    response = client.post(
        "/tasks/word_frequency",
        data={"top": "5", "text": "x", "upload": (io.BytesIO(b"y"), "y.txt")},
        content_type="multipart/form-data",
    )
    assert "Either upload a file or paste text, not both." in response.get_data(as_text=True)


def test_a_vocabulary_too_big_for_one_pass_is_counted_in_passes_alike():
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = [f"w{letters[i % 26]}{letters[i // 26 % 26]}{letters[i // 676 % 26]}" for i in range(15_000)]
    text = " ".join(words + words[:500] + ["the"] * 3)
    expected = count_words(text, stop_words=True)
    seen = []
    table = word_table.count(
        lambda: words_in(text, 4096), len(text), 5, STOP_WORDS, lambda *a: seen.append(a)
    )
    assert seen[-1][1] > len(text)  # counted in passes: progress over several passes of the text
    ranked = sorted(expected.items(), key=lambda item: (-item[1], item[0]))
    assert (table.total, table.distinct) == (sum(expected.values()), len(expected))
    assert table.top == ranked[:5]
    lines = bytes(table.csv).decode().splitlines()
    assert lines[0] == "word,count" and lines[1:] == [f"{w},{n}" for w, n in ranked]
