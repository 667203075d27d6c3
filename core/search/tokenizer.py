"""Tokenising campaign text and search queries: jieba with a domain dictionary, stop words dropped.

Each text is NFKC-normalised (full-width digits, letters and punctuation become their ASCII forms, so
``１０元券`` and ``10元券`` are one term) and lower-cased before jieba cuts it; domain terms are
normalised the same way when they are added, so ``VIP月卡`` in the dictionary matches ``vip月卡`` in a
query. A token is kept when it holds at least one letter or digit (CJK characters count as letters) and
is not a stop word; whitespace and punctuation tokens are therefore dropped.

jieba's dictionary load takes ~0.7 s, so a process builds one tokenizer (:func:`get_tokenizer`, a lazy
module-level singleton) and keeps it; every later call only adds new extra terms, which is cheap.
Adding terms can change how stored text would be cut: :attr:`Tokenizer.fingerprint` changes with the
dictionary, so a caller that persists token lists can tell when they need re-tokenising.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from importlib import resources

import jieba

_DATA_PACKAGE = "core.search"
DOMAIN_TERMS_FILE = "domain_terms.txt"
STOP_WORDS_FILE = "stop_words.txt"

# Python's \w covers CJK ideographs, letters and digits; "_" is \w too but means nothing on its own.
_HAS_WORD_CHAR = re.compile(r"[^\W_]")


def normalise_text(text: str) -> str:
    """NFKC-normalise and lower-case ``text`` (what both the dictionary and the texts go through)."""
    return unicodedata.normalize("NFKC", text).lower()


def read_word_list(filename: str) -> list[str]:
    """Read a packaged one-term-a-line file, skipping blank lines and ``#`` comments."""
    text = resources.files(_DATA_PACKAGE).joinpath(filename).read_text(encoding="utf-8")
    stripped = (line.strip() for line in text.splitlines())
    return [line for line in stripped if line and not line.startswith("#")]


class Tokenizer:
    """A jieba tokenizer instance with the domain dictionary added and a stop-word filter.

    Construction loads jieba's dictionary (~0.7 s): use :func:`get_tokenizer` rather than building one
    per request. The instance is a private ``jieba.Tokenizer``, so adding terms here never changes the
    global ``jieba`` module other code may use.
    """

    def __init__(self, extra_terms: Iterable[str] = (), stop_words: Iterable[str] | None = None) -> None:
        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        self._lock = threading.Lock()
        self._terms: set[str] = set()
        words = read_word_list(STOP_WORDS_FILE) if stop_words is None else stop_words
        self._stop_words = frozenset(normalise_text(word).strip() for word in words)
        self.add_terms([*read_word_list(DOMAIN_TERMS_FILE), *extra_terms])

    @property
    def terms(self) -> frozenset[str]:
        """The (normalised) domain terms this tokenizer keeps whole."""
        return frozenset(self._terms)

    @property
    def stop_words(self) -> frozenset[str]:
        return self._stop_words

    @property
    def fingerprint(self) -> str:
        """A short hash of jieba's version, the domain terms and the stop words.

        Token lists stored under one fingerprint may be cut differently under another; a caller that
        persists them re-tokenises when it changes.
        """
        payload = "\n".join([jieba.__version__, *sorted(self._terms), "--", *sorted(self._stop_words)])
        return hashlib.sha1(payload.encode("utf-8")).hexdigest()[:16]

    def add_terms(self, terms: Iterable[str]) -> list[str]:
        """Add domain terms so they are cut whole; returns the (normalised) terms that were new.

        Terms containing whitespace cannot be one jieba token and are skipped. New terms are added
        shortest first, each with the frequency jieba suggests for keeping it whole, so a longer term
        (``5折月卡``) still wins over a shorter one it contains (``月卡``). A term that still does not come
        out whole (a later term changed the odds) has its frequency raised once more.
        """
        candidates = {normalise_text(term).strip() for term in terms}
        new_terms = sorted(
            (t for t in candidates if t and not any(c.isspace() for c in t) and t not in self._terms),
            key=lambda t: (len(t), t),
        )
        if not new_terms:
            return []
        with self._lock:
            for term in new_terms:
                self._jieba.add_word(term)
            for term in new_terms:
                if self._jieba.lcut(term) != [term]:
                    self._jieba.add_word(term, freq=self._jieba.suggest_freq(term, tune=False))
            self._terms.update(new_terms)
        return new_terms

    def tokenize(self, text: str) -> list[str]:
        """Cut ``text`` into search tokens: normalised, stop words, whitespace and punctuation dropped."""
        if not text:
            return []
        tokens = (token.strip() for token in self._jieba.lcut(normalise_text(text)))
        return [t for t in tokens if t and _HAS_WORD_CHAR.search(t) and t not in self._stop_words]


_singleton: Tokenizer | None = None
_singleton_lock = threading.Lock()


def get_tokenizer(extra_terms: Iterable[str] = ()) -> Tokenizer:
    """The process-wide tokenizer, built on first use; ``extra_terms`` are added to it (they accumulate).

    Pass the names seen in the data (segments, resource positions, discounts; see
    :func:`core.search.campaign_text.campaign_terms`) so they are cut whole.
    """
    global _singleton
    with _singleton_lock:
        if _singleton is None:
            _singleton = Tokenizer()
        tokenizer = _singleton
    tokenizer.add_terms(extra_terms)
    return tokenizer
