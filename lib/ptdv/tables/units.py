"""Normalise unit names (provinces, districts, sector unions) and match them across files."""

from __future__ import annotations

import difflib
import functools
import html
import re
import unicodedata
from collections.abc import Iterable, Mapping

import pyarrow
import pyarrow.compute as pc

from ptdv.base.safety import MAX_STEM_BYTES, RESERVED, file_stem

__all__ = ["UnitIndex", "clean_name", "clean_names_and_keys", "name_changes", "unit_key"]

_TAG_RE = re.compile(r"<[^<>]*>")
_BREAK_TAG_RE = re.compile(r"<\s*/?\s*(?:br|p|div|li|td|th|tr)\b[^<>]*>", re.IGNORECASE)
_MD_BOLD_RE = re.compile(r"(\*\*|__)(.+?)\1", re.DOTALL)
_ENTITY_RE = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z]+);")
_ODD_SPACES = str.maketrans(
    {
        "\u00a0": " ",  # no-break space
        "\u202f": " ",  # narrow no-break space
        "\u2007": " ",  # figure space
        "\u2009": " ",  # thin space
        "\u200a": " ",  # hair space
        "\u3000": " ",  # ideographic space
        "\u200b": None,  # zero-width space
        "\ufeff": None,  # byte-order mark
    }
)
_HYPHEN_RE = re.compile(r"(?<=\S)\s*-\s*(?=\S)")

# Long forms and abbreviations, applied in this order to the casefolded name (word boundaries).
_ABBREVIATIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), short)
    for pattern, short in (
        (r"\bliên đoàn lao động\b", "ldld"),
        (r"\bcông đoàn ngành\b", "cdn"),
        (r"\bcông đoàn\b", "cd"),
        (r"\bkhu công nghiệp\b", "kcn"),
        (r"\bthành phố\b", "tp"),
        (r"\btp\.\s*", "tp "),
        (r"\blđlđ\b", "ldld"),
        (r"\bcđn\b", "cdn"),
        (r"\bcđ\b", "cd"),
    )
)
#: the literal text each of _ABBREVIATIONS needs in a name before it can match
_NEEDS = (
    "liên đoàn lao động",
    "công đoàn ngành",
    "công đoàn",
    "khu công nghiệp",
    "thành phố",
    "tp.",
    "lđlđ",
    "cđn",
    "cđ",
)
_ADMIN_PREFIX_RE = re.compile(
    r"^(?:ldld(?:\s+(?:huyện|quận|thị xã|tp|tỉnh))?|tp|huyện|quận|thị xã)(?![\w])[\s\W]*"
)

#: Descriptions reported by name_changes, in the order they are listed.
NFD_RECOMPOSED = "decomposed Unicode (NFD) recomposed"
NBSP_REPLACED = "non-breaking or zero-width spaces replaced"
EXTRA_SPACES = "extra spaces removed"
HYPHEN_SPACES = "spaces around hyphens removed"
MARKUP_REMOVED = "markup removed"
_CHANGE_ORDER = (NFD_RECOMPOSED, NBSP_REPLACED, EXTRA_SPACES, HYPHEN_SPACES, MARKUP_REMOVED)


_ODD_RE = re.compile("[" + "".join(chr(c) for c in _ODD_SPACES) + "]")


def _already_clean(raw: str) -> bool:
    """Return True for a name no step of _clean_with_changes would change (the common case)."""
    return (
        "<" not in raw
        and "&" not in raw
        and "**" not in raw
        and "__" not in raw
        and " -" not in raw
        and "- " not in raw
        and raw == " ".join(raw.split())
        and not _ODD_RE.search(raw)
        and unicodedata.is_normalized("NFC", raw)
    )


def _clean_with_changes(raw: str) -> tuple[str, list[str]]:
    """Clean a unit name and list which kinds of change were needed."""
    text, changes = _cleaned(raw)
    return text, list(changes)


@functools.lru_cache(maxsize=1 << 18)
def _cleaned(raw: str) -> tuple[str, tuple[str, ...]]:
    """Return a cleaned unit name and its kinds of change (cached: a name is cleaned often)."""
    if _already_clean(raw):
        return raw, ()
    changes: set[str] = set()
    text = _TAG_RE.sub("", _BREAK_TAG_RE.sub(" ", raw))
    text = _MD_BOLD_RE.sub(r"\2", text)
    if _ENTITY_RE.search(text):
        text = html.unescape(text)
    if text != raw:
        changes.add(MARKUP_REMOVED)
    step = unicodedata.normalize("NFC", text)
    if step != text:
        changes.add(NFD_RECOMPOSED)
    text = step
    step = text.translate(_ODD_SPACES)
    if step != text:
        changes.add(NBSP_REPLACED)
    text = step
    step = " ".join(text.split())
    if step != text:
        changes.add(EXTRA_SPACES)
    text = step
    step = _HYPHEN_RE.sub("-", text)
    if step != text:
        changes.add(HYPHEN_SPACES)
    return step, tuple(change for change in _CHANGE_ORDER if change in changes)


def clean_name(raw: str) -> str:
    """Return the display form of a unit name: no markup, NFC, single spaces, tight hyphens."""
    return _cleaned(raw)[0]


def name_changes(raw: str) -> list[str]:
    """List in plain English what clean_name changes in a raw unit name (empty if nothing)."""
    return _clean_with_changes(raw)[1]


def _strip_diacritics(text: str) -> str:
    """Remove Vietnamese tone and vowel marks and turn đ into d."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = _MARKS_RE.sub("", decomposed)
    if stripped.isascii():  # the common case: letters and the usual combining marks only
        return stripped
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


#: combining diacritical marks U+0300-U+036F, all of combining class > 0 but U+034F
_MARKS_RE = re.compile("[\u0300-\u034e\u0350-\u036f]")


_WORD_RE = re.compile(r"\w")
_NOT_SLUG_RE = re.compile(r"[^a-z0-9]+")


def unit_key(name: str) -> str:
    """Return the ASCII slug matching a unit across files ('LĐLĐ huyện Yên Dũng' -> 'yen-dung')."""
    text = unicodedata.normalize("NFC", clean_name(name).casefold())
    for (pattern, short), needs in zip(_ABBREVIATIONS, _NEEDS, strict=True):
        if needs in text:  # a pattern cannot match without its literal words
            text = pattern.sub(short, text)
    text = " ".join(text.split())
    match = _ADMIN_PREFIX_RE.match(text)
    if match and _WORD_RE.search(text, match.end()):
        text = text[match.end() :]
    slug = _NOT_SLUG_RE.sub("-", _strip_diacritics(text)).strip("-")
    # ids name files (reports, charts, forms): never empty, a device name or too long
    return file_stem(slug or name)


# --- many names at once ---------------------------------------------------------------------
# A name made only of ASCII letters, digits, spaces, some punctuation and Vietnamese letters,
# with no extra spaces and no spaced hyphen, is already clean; if it also holds no long form
# or abbreviation that _ABBREVIATIONS would shorten and starts with no administrative prefix,
# its key is only its letters lower-cased, stripped of marks and joined by hyphens. Those are
# the steps done on a whole Arrow column (RE2 patterns: within these characters, Python's
# \w is exactly the letters and digits below). Any other name takes unit_key, one by one.
_VIET = (
    "".join(
        unicodedata.normalize("NFC", vowel + tone)
        for vowel in "aăâeêioôơuưy"
        for tone in ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
    )
    + "đ"
)
_WORD = "0-9a-z" + _VIET  # a word character of a lower-cased simple name
_SIMPLE_RE = "^[ 0-9A-Za-z.,;:()/'+#" + _VIET + _VIET.upper() + "-]*$"
_UNCLEAN_RE = "  |^ | $| -|- "
_ABBREVIATED_RE = (
    f"(?:^|[^{_WORD}])(?:"
    + "|".join(needs for needs in _NEEDS if needs != "tp.")  # letters and spaces only
    + f")(?:$|[^{_WORD}])|(?:^|[^{_WORD}])tp\\."
)
_PREFIXED_RE = "^(?:ldld|tp|huyện|quận|thị xã)"


def clean_names_and_keys(
    raws: list[str],
) -> tuple[list[str], list[list[str]], list[str]]:
    """Return each raw name's clean_name, its name_changes and its unit_key, all at once.

    The common names (see above) are done on an Arrow column; the others one by one. A
    national table has 135,000 names: one by one they took about 2 s.
    """
    column = pyarrow.array(raws, type=pyarrow.large_string())
    lower = pc.utf8_lower(column)
    simple = pc.and_(
        pc.and_(
            pc.match_substring_regex(column, _SIMPLE_RE),
            pc.invert(pc.match_substring_regex(column, _UNCLEAN_RE)),
        ),
        pc.invert(
            pc.or_(
                pc.match_substring_regex(lower, _ABBREVIATED_RE),
                pc.match_substring_regex(lower, _PREFIXED_RE),
            )
        ),
    )
    plain = pc.utf8_normalize(pc.replace_substring(lower, "đ", "d"), "NFD")
    plain = pc.replace_substring_regex(plain, _MARKS_RE.pattern + "+", "")
    slug = pc.utf8_trim(pc.replace_substring_regex(plain, "[^a-z0-9]+", "-"), "-")
    size = pc.utf8_length(slug)
    simple = pc.and_(
        simple,
        pc.and_(
            pc.and_(pc.greater(size, 0), pc.less_equal(size, MAX_STEM_BYTES)),
            pc.invert(pc.is_in(slug, pyarrow.array(sorted(RESERVED)))),
        ),
    )
    names: list[str] = []
    changes: list[list[str]] = []
    keys: list[str] = []
    for raw, quick, key in zip(raws, simple.to_pylist(), slug.to_pylist(), strict=True):
        if quick:
            names.append(raw)
            changes.append([])
            keys.append(key)
        else:
            name, changed = _clean_with_changes(raw)
            names.append(name)
            changes.append(changed)
            keys.append(unit_key(name))
    return names, changes, keys


def split_ambiguous(
    pairs: Iterable[tuple[str, str]],
) -> tuple[list[tuple[str, str]], dict[str, list[str]]]:
    """Return the (unit_id, name) pairs whose name key is unique, and the clashing keys' ids.

    A name written twice in an allocation table (TLĐ's two `Hải Phòng` rows) cannot name a
    unit: those units are reachable by id only.
    """
    pairs = list(pairs)
    by_key: dict[str, list[str]] = {}
    for uid, name in pairs:
        by_key.setdefault(unit_key(name), []).append(uid)
    ambiguous = {k: ids for k, ids in by_key.items() if len(ids) > 1}
    return [(u, n) for u, n in pairs if unit_key(n) not in ambiguous], ambiguous


class UnitIndex:
    """Look up unit ids by name, tolerant of prefixes, case, spacing and Unicode forms."""

    def __init__(
        self,
        units: Iterable[tuple[str, str]],
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        """Index (unit_id, display_name) pairs and alias names; reject clashing or empty keys."""
        self._names: dict[str, str] = {}
        self._by_key: dict[str, str] = {}
        for unit_id, display_name in units:
            self._names.setdefault(unit_id, clean_name(display_name))
            self._add(unit_key(display_name), unit_id, display_name)
        for variant, unit_id in (aliases or {}).items():
            if unit_id not in self._names:
                raise ValueError(f"alias {variant!r} points to unknown unit id {unit_id!r}")
            self._add(unit_key(variant), unit_id, variant)

    def _add(self, key: str, unit_id: str, name: str) -> None:
        """Register a key for a unit, refusing empty keys and keys already used by another unit."""
        if not key:
            raise ValueError(f"unit name {name!r} (id {unit_id!r}) has no usable letters or digits")
        known = self._by_key.setdefault(key, unit_id)
        if known != unit_id:
            raise ValueError(
                f"unit name {name!r} (id {unit_id!r}) has the same key {key!r} as unit "
                f"{self._names[known]!r} (id {known!r}); duplicate names must be fixed, not merged"
            )

    def __len__(self) -> int:
        """Return the number of distinct units."""
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        """Return True if the name matches a known unit."""
        return isinstance(name, str) and self.match(name) is not None

    def name(self, unit_id: str) -> str:
        """Return the display name a unit was registered with."""
        return self._names[unit_id]

    def match(self, name: str) -> str | None:
        """Return the id of the unit whose name or alias has the same key as name, else None."""
        key = unit_key(name)
        return self._by_key.get(key) if key else None

    def suggest(self, name: str, n: int = 1, cutoff: float = 0.6) -> list[str]:
        """Return up to n display names of known units whose keys are closest to name's key."""
        key = unit_key(name)
        if not key or n <= 0:
            return []
        close = difflib.get_close_matches(
            key, list(self._by_key), n=len(self._by_key), cutoff=cutoff
        )
        found: list[str] = []
        for candidate in close:
            display = self._names[self._by_key[candidate]]
            if display not in found:
                found.append(display)
            if len(found) == n:
                break
        return found
