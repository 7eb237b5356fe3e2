"""English sentences from the Debian `fortunes` quotation files, cleaned for speaking.

A fortune file holds quotations separated by lines of "%", often with an attribution line
("-- Mark Twain") and sometimes with overstruck (bold) text. Quotations are cut into sentences,
and only sentences a listener could transcribe are kept: 4-25 words, plain punctuation, starting
with a capital and ending with . ! or ?, no words from `lexicon.BLOCKED_WORDS`. Files of code,
ASCII pictures, jokes about groups of people and the `off/` (offensive) folder are never read.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from .lexicon import BLOCKED_WORDS

_LOG = logging.getLogger(__name__)

FORTUNE_DIRS = (Path("/usr/share/games/fortunes"), Path("/usr/share/fortune"))
EXCLUDED_FILES = frozenset(("off", "ascii-art", "ethnic", "men-women", "drugs", "translate-me", "perl", "linux",
                            "debian", "linuxcookie", "zippy"))
MIN_WORDS, MAX_WORDS = 4, 25
INSTALL_HINT = "install them with `sudo apt-get install fortunes fortunes-min` (or `make setup`)"

_OVERSTRIKE = re.compile(r".\x08")
_ATTRIBUTION = re.compile(r"^\s*(?:--|-\s|~~)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_ALLOWED = re.compile(r"^[A-Za-z0-9 ,.'?!;:$%-]+$")
_WORD = re.compile(r"[A-Za-z]+")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "`": "'", "\u2014": " - "})


class FortunesUnavailableError(FileNotFoundError):
    """No fortune files to read; the message says how to install them."""


def fortune_files(directories: Iterable[Path] = FORTUNE_DIRS) -> list[Path]:
    """The quotation files (not their .dat indexes or .u8 twins), in a fixed order."""
    found = []
    for directory in directories:
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if path.is_file() and "." not in path.name and path.name not in EXCLUDED_FILES:
                found.append(path)
    return found


def quotations(text: str) -> Iterator[str]:
    """Each quotation of a fortune file as one line of text, attributions removed."""
    for block in re.split(r"^%\s*$", _OVERSTRIKE.sub("", text), flags=re.M):
        lines = [line for line in block.splitlines() if line.strip() and not _ATTRIBUTION.match(line)]
        if lines:
            yield " ".join(line.strip() for line in lines)


def clean(sentence: str) -> str:
    """Spoken-friendly punctuation: no double quotes or brackets, dashes and ellipses as pauses."""
    text = sentence.translate(_QUOTES).replace('"', "").replace("(", "").replace(")", "")
    text = re.sub(r"\s*--+\s*", ", ", text)
    text = re.sub(r"\.\.\.+$", ".", text.strip())
    text = re.sub(r"\s*\.\.\.+\s*", ", ", text)
    text = re.sub(r"\s+([,.!?;:])", r"\1", text)
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    text = re.sub(r"\s+", " ", text)
    return text.strip(" ,;:'-")


def acceptable(sentence: str) -> bool:
    words = sentence.split()
    if not MIN_WORDS <= len(words) <= MAX_WORDS or not _ALLOWED.match(sentence):
        return False
    if not sentence[0].isupper() or sentence[-1] not in ".!?":
        return False
    if sum(ch.isupper() for ch in sentence) > 0.3 * len(words) + 2:  # SHOUTING, acronyms, headlines
        return False
    return not any(word.lower() in BLOCKED_WORDS for word in _WORD.findall(sentence))


def sentences_from_text(text: str) -> Iterator[str]:
    for quote in quotations(text):
        for piece in _SENTENCE_END.split(quote):
            sentence = clean(piece)
            if sentence and acceptable(sentence):
                yield sentence


def fortune_sentences(directories: Iterable[Path] = FORTUNE_DIRS) -> list[tuple[str, str]]:
    """(sentence, file name) for every acceptable sentence, first occurrence only."""
    files = fortune_files(directories)
    if not files:
        raise FortunesUnavailableError(f"no fortune files found in {', '.join(map(str, FORTUNE_DIRS))}; {INSTALL_HINT}")
    seen: set[str] = set()
    out = []
    for path in files:
        for sentence in sentences_from_text(path.read_text(encoding="utf-8", errors="replace")):
            key = sentence.lower()
            if key not in seen:
                seen.add(key)
                out.append((sentence, path.name))
    _LOG.info("%d sentences from %d fortune files", len(out), len(files))
    return out
