"""word_frequency: the most frequent words of an uploaded text file or pasted text.

A word is a run of letters, optionally joined by apostrophes ("don't"), compared in lower case.
The text is counted in chunks of about ``CHUNK_CHARS`` (cut at whitespace) so progress can move.
"""

import logging
import re
from collections import Counter

from jobs import word_table
from jobs.outputs import save_output
from jobs.progress import report
from jobs.task_declaration import Params, TaskSpec, Upload, param, reject, upload
from jobs.text_decoding import decode_text
from jobs.uploads import read_upload

log = logging.getLogger(__name__)

WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
CHUNK_CHARS = 1 << 20
MAX_TOP = 1000
MAX_PASTED_CHARS = 1_000_000
_STOP_WORDS_TEXT = """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just me
    more most my myself no nor not now of off on once only or other our ours ourselves out over own
    same she should so some such than that the their theirs them themselves then there these they this
    those through to too under until up very was we were what when where which while who whom why will
    with would you your yours yourself yourselves s t don't i'm it's"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


class WordFrequencyParams(Params):
    upload: Upload | None = upload(
        "Text file",
        kinds=("text",),
        description="UTF-8 or Latin-1 plain text.",
        what="text file",
        default=None,
    )
    text: str = param(
        "",
        title="Or paste text",
        max_length=MAX_PASTED_CHARS,
        widget="textarea",
        message=f"Pasted text is limited to {MAX_PASTED_CHARS:,} characters; upload a file instead.",
        examples=["the quick brown fox jumps over the lazy dog"],
    )
    top: int = param(20, ge=1, le=MAX_TOP, title="How many top words", examples=[20])
    stop_words: bool = param(False, title="Leave out common English words (the, and, of, ...)")

    def __post_init__(self):
        # the one cross-field rule, for the form, the API and the worker alike
        has_text = bool(self.text.strip())
        if self.upload is not None and has_text:
            raise reject("text", "Either upload a file or paste text, not both.")
        if self.upload is None and not has_text:
            raise reject("text", "Upload a text file or paste some text.")


def chunks(text: str, size: int = CHUNK_CHARS):
    """Pieces of ``text`` of about ``size`` characters, each ending at whitespace (or the end)."""
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            cut = max(text.rfind(" ", start, end), text.rfind("\n", start, end))
            end = cut + 1 if cut > start else end
            while end < len(text) and not text[end - 1].isspace() and not text[end].isspace():
                end += 1  # no whitespace in the window: extend to the end of the word
        yield start, text[start:end]
        start = end


def words_in(text: str, chunk_size: int = CHUNK_CHARS):
    """(characters read so far, the words of the next chunk), chunk by chunk."""
    for start, piece in chunks(text, chunk_size):
        yield start + len(piece), WORD.findall(piece.lower())


def count_words(text: str, stop_words: bool = False, progress=None, chunk_size: int = CHUNK_CHARS) -> Counter:
    counts: Counter = Counter()
    total = len(text)
    for done, words in words_in(text, chunk_size):
        counts.update(words)
        if progress:
            progress(done, total)
    if stop_words:
        for word in STOP_WORDS.intersection(counts):
            del counts[word]
    return counts


def top_words(counts: Counter, top: int) -> list[dict]:
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
    return with_shares(ranked, sum(counts.values()))


def with_shares(ranked: list[tuple[str, int]], total: int) -> list[dict]:
    return [{"word": word, "count": n, "share": n / total} for word, n in ranked]


def run(params: dict) -> dict:
    if params.get("upload"):
        ref = params["upload"]
        data = read_upload(ref)
        text = decode_text(data, f"The file {ref['filename']!r}")
        source = ref["filename"]
    else:
        text, source = params["text"], "the pasted text"
    log.info("Counting words in %s (%d characters)", source, len(text))

    def progress(done, total):
        report(done, total, f"{done:,} of {total:,} characters counted")

    drop = STOP_WORDS if params["stop_words"] else frozenset()
    table = word_table.count(lambda: words_in(text), len(text), params["top"], drop, progress)
    report(1, 1, f"{len(text):,} characters counted")
    total = table.total
    files = [save_output("words.csv", table.csv, "text/csv; charset=utf-8", "All words with counts (CSV)")]
    return {
        "summary": f"Counted {total} word{'s' if total != 1 else ''} ({table.distinct} different) in {source}.",
        "total_words": total,
        "distinct_words": table.distinct,
        "stop_words_removed": params["stop_words"],
        "top": with_shares(table.top, total) if total else [],
        "files": files,
    }


TASK = TaskSpec(
    name="word_frequency",
    title="Word frequency",
    description="Upload a text file or paste text: its most frequent words with counts and "
    "shares, optionally without common English stop words, and a CSV of all words.",
    params=WordFrequencyParams,
    run=run,
    timeout=600,
    result_kind="word_frequency",
)
validate = TASK.validate
