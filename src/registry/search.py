"""Text normalisation and search tokens, shared by SQLite (FTS5) and PostgreSQL (GIN).

Both backends index the same pre-tokenised text, so a query matches the same records on
either. Chinese is indexed as single characters plus overlapping character pairs: a query
of one character matches a unigram, a longer one must match all of its pairs, which is
how two-character words such as 留守 or 欺凌 are found without a dictionary. Traditional
characters are folded to simplified first (OpenCC), so 青睞 and 青睐 meet. Chinese tokens
are written in ASCII (`u7559u5b88`), so neither backend's parser or locale can split them.
Latin words are case-folded, marked with a leading `w` (so no query word can spell a
Chinese token: `q=u5fc3` must not find 心) and match by prefix.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import opencc

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_RUN = re.compile(rf"([{_CJK}]+)|([^\W_]+)")
# Latin punctuation inside a word: an apostrophe is dropped (lian'ai is lianai); a hyphen or
# a dot joins parts that a document also holds apart (self-harm: self, harm, selfharm).
_APOSTROPHE = re.compile(r"(?<=[^\W_])['’‘ʼ`](?=[^\W_])")
_JOINED = re.compile(r"[^\W_]+(?:[-.·‐–][^\W_]+)+")
_JOINER = re.compile(r"(?<=[^\W_])[-.·‐–](?=[^\W_])")
_PUNCTUATED = re.compile(r"[^\W_]['’‘ʼ`\-.·‐–][^\W_]")
_CONVERTER = opencc.OpenCC("t2s")

MAX_QUERY_LENGTH = 200
LATIN_MARK = "w"
NOTHING_SEARCHABLE = "nothing searchable: give letters, digits or Chinese characters"


# The full-width punctuation of everyday Chinese text, replaced as NFKC would replace it,
# so NFKC's quick check then passes and the full (slow) normalisation is skipped.
_FULLWIDTH = [(chr(c), chr(c - 0xFEE0)) for c in map(ord, "，：；！？（）％")]


def normalize(text: str) -> str:
    """NFKC, traditional to simplified, case-folded."""
    if text.isascii():
        return text.casefold()
    for wide, narrow in _FULLWIDTH:
        text = text.replace(wide, narrow)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return str(_CONVERTER.convert(text)).casefold()


@lru_cache(maxsize=65536)
def _cjk_token(chars: str) -> str:
    return "".join(f"u{ord(c):x}" for c in chars)


class _Units(dict[int, str]):
    """str.translate table from a CJK character to its token; filled on first use."""

    def __missing__(self, codepoint: int) -> str:
        self[codepoint] = unit = f"u{codepoint:x}"
        return unit


_UNITS = _Units()


def tokens(texts: Iterable[str | None]) -> str:
    """The space-separated search tokens of some texts, as stored in the index.

    Each CJK run gives its characters, then its overlapping pairs.
    """
    out: list[str] = []
    for text in texts:
        if not text:
            continue
        text = normalize(text)
        if _PUNCTUATED.search(text):  # most texts have no apostrophe or hyphen in a word
            text = _APOSTROPHE.sub("", text)
            for joined in _JOINED.findall(text):
                if not _has_cjk(joined):
                    out.append(LATIN_MARK + _JOINER.sub("", joined))
        for cjk, word in _RUN.findall(text):
            if cjk:
                units = list(map(_UNITS.__getitem__, map(ord, cjk)))
                out += units
                out += map(str.__add__, units, units[1:])
            else:
                out.append(LATIN_MARK + word)
    return " ".join(out)


def _has_cjk(text: str) -> bool:
    return any(cjk for cjk, _ in _RUN.findall(text))


def pinyin_tokens(texts: Iterable[str | None]) -> str:
    """Each Chinese run of some names spelled out for Latin typing: its syllables, the
    syllables run together and their initials, so `lian ai`, `lianai` and `lahx` all find
    联爱护心 (prefixes too: `lianaih`)."""
    out: list[str] = []
    for text in texts:
        if not text or text.isascii():
            continue
        for cjk, _ in _RUN.findall(normalize(text)):
            if cjk:
                out += _spelled(cjk)
    return " ".join(dict.fromkeys(out))


@lru_cache(maxsize=65536)
def _spelled(cjk: str) -> tuple[str, ...]:
    """One Chinese run's pinyin tokens; names share their runs (阳光, 心理课堂)."""
    from pypinyin.seg.simpleseg import seg

    syllables = [s.rstrip("12345") for word in seg(cjk) for s in _word_pinyin(word)]
    syllables = [s for s in syllables if s.isascii() and s.isalpha()]
    if not syllables:
        return ()
    out = [LATIN_MARK + s for s in syllables]
    out.append(LATIN_MARK + "".join(syllables))
    if len(syllables) > 1:
        out.append(LATIN_MARK + "".join(s[0] for s in syllables))
    return tuple(out)


@dataclass(frozen=True)
class Term:
    token: str
    prefix: bool


def query_terms(q: str) -> list[Term]:
    """Terms that must all match; empty when the query has nothing searchable."""
    terms: list[Term] = []
    text = _JOINER.sub("", _APOSTROPHE.sub("", normalize(q[:MAX_QUERY_LENGTH])))
    for cjk, word in _RUN.findall(text):
        if cjk and len(cjk) == 1:
            terms.append(Term(_cjk_token(cjk), prefix=False))
        elif cjk:
            terms.extend(
                Term(_cjk_token(cjk[i : i + 2]), prefix=False) for i in range(len(cjk) - 1)
            )
        else:
            terms.append(Term(LATIN_MARK + word, prefix=True))
    return list(dict.fromkeys(terms))


def fts5_query(terms: list[Term]) -> str:
    return " AND ".join(f'"{t.token}"' + ("*" if t.prefix else "") for t in terms)


def tsquery(terms: list[Term]) -> str:
    return " & ".join(t.token + (":*" if t.prefix else "") for t in terms)


def _needles(q: str) -> list[str]:
    parts = [cjk or word for cjk, word in _RUN.findall(normalize(q[:MAX_QUERY_LENGTH]))]
    return sorted({p for p in parts if p}, key=len, reverse=True)


def snippet(q: str, texts: Iterable[str | None], width: int = 60) -> str | None:
    """A short excerpt around the first match, HTML-escaped, matches in <mark>."""
    needles = _needles(q)
    if not needles:
        return None
    for text in texts:
        if not text:
            continue
        # Normalisation keeps length for CJK and almost all Latin text; fall back if not.
        folded = normalize(text)
        if len(folded) != len(text):
            folded = text.casefold()
        hits = [(m.start(), m.end()) for n in needles for m in re.finditer(re.escape(n), folded)]
        if not hits:
            continue
        first = min(s for s, _ in hits)
        start = max(0, first - width // 3)
        end = min(len(text), start + width)
        marks = sorted((s, e) for s, e in hits if s >= start and e <= end)
        pieces: list[str] = ["…" if start else ""]
        cursor = start
        for s, e in marks:
            if s < cursor:
                continue
            pieces += [html.escape(text[cursor:s]), "<mark>", html.escape(text[s:e]), "</mark>"]
            cursor = e
        pieces += [html.escape(text[cursor:end]), "…" if end < len(text) else ""]
        return "".join(pieces)
    return None


def zh_sort_key(text: str | None) -> str | None:
    """Pinyin with tone numbers, then the name itself: 北京… sorts before 上海…"""
    if not text:
        return None
    from pypinyin.seg.simpleseg import seg

    letters = "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isalnum())
    # pypinyin's own segmentation, with each word's reading cached: names share words.
    syllables = [s for word in seg(letters) for s in _word_pinyin(word)]
    return " ".join(s.casefold() for s in syllables)[:900] + " |" + letters[:90]


def pinyin_syllables(text: str) -> list[str]:
    """A text's Chinese characters as toneless pinyin syllables (联爱: lian, ai); runs of
    other characters kept as they are."""
    from pypinyin import Style, lazy_pinyin

    return list(lazy_pinyin(text, style=Style.NORMAL))


@lru_cache(maxsize=65536)
def _word_pinyin(word: str) -> tuple[str, ...]:
    from pypinyin import Style, lazy_pinyin

    return tuple(lazy_pinyin(word, style=Style.TONE3, neutral_tone_with_five=True))
