"""word_frequency's counts within a memory budget, whatever the vocabulary.

A ``Counter`` holds about ``BYTES_PER_WORD`` bytes per distinct word (the str object and its dict
slot), ten times and more the word's own bytes in the text: a text of all-different words would
need 10-15x its size. So counting watches the vocabulary: once it would pass ``BUDGET`` times the
text's length, the text is counted again in passes, each pass keeping only the words whose hash
falls in its share (so each pass's Counter holds 1/passes of the vocabulary), writing its rows,
sorted, to a temporary file. The CSV of all words is then merged from those files in order.
Ordinary texts (a vocabulary of thousands) take one pass and no file.
"""

import contextlib
import heapq
import io
import math
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass

#: what a Counter holds per distinct word, in bytes (measured: a short str and its dict slot)
BYTES_PER_WORD = 100
#: the Counter may hold at most this many times the text's length
BUDGET = 3
CSV_HEADER = b"word,count\r\n"  # the csv module's line ends (RFC 4180)


@dataclass
class WordTable:
    total: int  # words counted
    distinct: int
    top: list[tuple[str, int]]  # the most frequent, ties alphabetical
    csv: memoryview  # every word with its count, most frequent first (what words.csv holds)


def _rows(counts: Counter):
    """(word, count), most frequent first, ties alphabetical, without a key tuple per word."""
    by_count = defaultdict(list)
    for word, n in counts.items():
        by_count[n].append(word)
    for n in sorted(by_count, reverse=True):
        words = by_count.pop(n)
        words.sort()
        for word in words:
            yield word, n


def _line(word: str, n: int) -> bytes:
    return f"{word},{n}\r\n".encode()  # a word is letters and apostrophes: nothing to quote


def _key(line: bytes) -> tuple[int, bytes]:
    word, _, n = line.rstrip(b"\r\n").rpartition(b",")
    return -int(n), word


def _top(best: list, counts: Counter, top: int) -> list:
    found = heapq.nsmallest(top, ((-n, w) for w, n in counts.items()))
    return heapq.nsmallest(top, best + found)


def count(pieces, length: int, top: int, drop: frozenset = frozenset(), progress=None) -> WordTable:
    """``pieces()`` yields (offset, list of words) over a text of ``length`` characters, each call
    from the start (a pass); ``drop`` are words not to count (stop words)."""
    limit = max(BUDGET * length // BYTES_PER_WORD, 10_000)
    counts: Counter = Counter()
    for start, words in pieces():
        counts.update(words)
        if progress:
            progress(start, length)
        if len(counts) > limit:  # too many different words for one pass: count again, in passes
            seen = max(start, 1) / length
            passes = math.ceil(len(counts) / seen / limit) + 1
            del counts
            return _in_passes(pieces, length, top, drop, passes, progress)
    for word in drop.intersection(counts):
        del counts[word]
    out = io.BytesIO()
    out.write(CSV_HEADER)
    for word, n in _rows(counts):
        out.write(_line(word, n))
    best = _top([], counts, top)
    return WordTable(sum(counts.values()), len(counts), [(w, -n) for n, w in best], out.getbuffer())


def _in_passes(pieces, length, top, drop, passes, progress) -> WordTable:
    total = distinct = 0
    best: list = []
    out = io.BytesIO()
    out.write(CSV_HEADER)
    with contextlib.ExitStack() as runs:
        files = []
        for share in range(passes):
            counts: Counter = Counter()
            for start, words in pieces():
                counts.update(w for w in words if hash(w) % passes == share)
                if progress:
                    progress(share * length + start, passes * length)
            for word in drop.intersection(counts):
                del counts[word]
            total += sum(counts.values())
            distinct += len(counts)
            best = _top(best, counts, top)
            run = runs.enter_context(tempfile.TemporaryFile())
            for word, n in _rows(counts):
                run.write(_line(word, n))
            del counts
            run.seek(0)
            files.append(run)
        for line in heapq.merge(*files, key=_key):
            out.write(line)
    return WordTable(total, distinct, [(w, -n) for n, w in best], out.getbuffer())
