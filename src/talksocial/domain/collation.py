"""Korean / English nickname collation of the Kakao Talk friends API (docs/reference/friends.md).

The order of the friends list depends on the language of the caller, taken from the
``lang/`` token of the ``KA`` header (:func:`lang_from_ka_header`):

* Korean (``ko``, also when the header or token is absent): Hangul, special
  characters, numbers, English (Latin), Japanese, other scripts, emoji.
* English (anything else): special characters, numbers, English (Latin), Japanese,
  Korean, other scripts, emoji.

Nicknames compare character by character (no number parsing, ``"10ten"`` sorts
before ``"7seven"``); every character becomes zero or more *collation elements*
``(group rank, key within group)``. :func:`collation_key` packs those elements into
a byte string whose plain ``memcmp`` order (SQLite ``BLOB``, PostgreSQL ``bytea``,
Python ``bytes``) is the collation order, the full tie-break included::

    element*  0x00  nickname-as-UTF-8
    element = 1 byte group rank (1..7, never 0) + 3 bytes big-endian key

(UTF-8 bytes compare exactly like the code point sequences, a shorter prefix
first, and are cheaper to produce and store than fixed 3-byte code points.)

Because every element starts with a non-zero byte, a nickname whose elements are a
prefix of another's sorts first (the ``0x00`` separator is smaller than any rank).
Nicknames with equal elements are ordered by their code points; two keys are equal
iff the nicknames are equal. The final tie-break by friend ``id`` belongs to the
database query, not to this module.

Before the elements are computed the nickname is put in NFC (so precomposed and
decomposed spellings, e.g. ``"é"`` and ``"e\\u0301"`` or conjoining-jamo and
precomposed Hangul, collate alike); the code-point tie-break always uses the
nickname as given.

Groups and the decisions taken where docs/reference/friends.md leaves room:

Hangul
    Precomposed syllables, conjoining jamo (U+1100.., Extended-A/B), compatibility
    jamo (U+3131..) and half-width jamo (folded to compatibility jamo). Dictionary (가나다) order with
    the 19 modern initials ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ; a lone consonant
    sorts directly before the syllables it starts: ``ㄱ < 가 < 각 < 깋 < ㄲ < 까``.
    A lone final consonant (conjoining final jamo) counts as the same letter as the
    initial. The final-only compound consonants ㄳ ㄵ ㄶ ㄺ ㄻ ㄼ ㄽ ㄾ ㄿ ㅀ ㅄ keep
    their compatibility-jamo place: after all syllables of the consonant preceding
    them in that block and before the next initial (``깋 < ㄳ < ㄴ``,
    ``릿 < ㄺ < ... < ㅀ < ㅁ``, ``삫 < ㅄ < ㅅ``). Lone vowels (ㅏ..ㅣ) come after all
    syllables (after 힣), in vowel order, like DUCET does. Archaic jamo and the
    Hangul fillers come last within the group, by the code point of their
    conjoining form. Enclosed Hangul (㉠, ㉮, ㈜ = "(주)") collate as their NFKC
    compatibility decomposition.

numbers
    Characters with a Unicode decimal value (``unicodedata.decimal``), keyed by that
    value, so ``0 == ０ == ٠ == ߀``; also characters whose NFKC form is a single
    decimal digit (¹, ①, 𝟏). Compatibility characters expanding to several
    characters are collated as that expansion (⑩ = "10", ⒈ = "1.").

English (Latin)
    Letters whose Unicode name says LATIN (after NFKC, so full-width Ａ, ﬁ, ª count):
    NFKD, combining marks dropped, case-folded; a character folding to several letters
    yields several elements (ß = "ss", ﬁ = "fi", Ǆ = "dž" = "dz"). Latin letters
    without a decomposition whose name describes a basic letter with a modifier
    (ø đ ł ħ ı ᴀ ...) sort as that letter; other Latin letters (æ ð þ ŋ ə ...) sort
    after z by their case-folded code point.

Japanese
    Kana: half-width folded (NFKC), katakana = hiragana, small = large,
    voiced/semi-voiced = unvoiced; order = hiragana code point after folding, which
    is gojūon order (ゐ ゑ between わ and を). Hentaigana fold to the modern kana of
    their name (HENTAIGANA LETTER KA-1 = か). Kana without a modern counterpart
    (archaic YE/YI/WU, Taiwanese kana) come after the modern kana, by code point.
    Iteration marks ゝゞヽヾ〱〲 repeat the preceding kana (``"いすゞ" == "いすす"``
    at this level); elsewhere they, like 〳〴〵, sort right after the modern kana.
    The prolonged sound mark ー (and half-width ｰ) comes after all kana. Then CJK
    ideographs (kanji, hanzi and hanja alike, all blocks incl. extensions and the
    compatibility ideographs, which NFC maps to their unified counterparts) by code
    point; 々 〆 〇 〻 are keyed like ideographs by their code point (before U+3400).

emoji
    Extended_Pictographic characters (embedded range table, Unicode 17.0
    ``emoji-data.txt``, the same data as the ``regex`` module), regional indicators
    U+1F1E6..1F1FF (flags are pairs of them) and skin-tone modifiers U+1F3FB..1F3FF,
    each keyed by code point. ★ is not Extended_Pictographic but docs/reference/friends.md puts it
    with the emoji; so do its companions ☆ and the white card suits ♡ ♢ ♤ ♧ (the
    black suits ♠ ♣ ♥ ♦ are Extended_Pictographic), so that star and heart symbols do
    not split across groups. A ZWJ, variation selector (FE0E/FE0F), skin-tone
    modifier or tag character (E0020..E007F) directly after an emoji element is
    an emoji element too (keyed by code point). Keycap sequences ``[0-9#*] FE0F?
    20E3`` (1️⃣, #️⃣) are emoji as well: elements base, FE0F, 20E3 keyed by code point,
    so all keycaps sort before the other emoji (their base code points are small).

other scripts
    Any other letter (general category L*: Greek, Cyrillic, Thai, Arabic, ...) by code
    point; combining marks (M*) whose name is script specific (Thai vowel signs,
    Devanagari matras, Arabic harakat) as well, so they stay with their script.

ignorable (no element)
    Generic combining marks (name ``COMBINING ...``: accents, U+3099/309A kana
    voicing marks, a stray U+20E3) and variation selectors not following an emoji:
    accent-insensitivity across the board. A nickname made only of them has no
    elements and sorts first (before every other nickname; the code points still
    tell them apart).

special characters
    Everything else (punctuation, symbols, spaces, controls and format characters
    such as a stray ZWJ, unassigned code points) keyed by the code point of its NFKC
    form (full-width ！ = !, U+3000 = space); spacing diacritics whose NFKC form is a
    space plus a combining mark (´ ¨ ゛ ゜) keep their own code point.

The classification uses Python's :mod:`unicodedata` (the Unicode version of the
interpreter) for names, categories and normalisation; Hangul, ideograph, emoji and
regional-indicator membership come from explicit ranges, so they do not depend on it.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Final, Literal, TypeVar

__all__ = [
    "EXTENDED_PICTOGRAPHIC_RANGES",
    "Lang",
    "collation_key",
    "compare",
    "is_emoji_char",
    "is_extended_pictographic",
    "lang_from_ka_header",
    "order_friends",
    "sort_nicknames",
]

Lang = Literal["ko", "en"]

T = TypeVar("T")

# --------------------------------------------------------------------------- language


def lang_from_ka_header(ka: str | None) -> Lang:
    """Collation language from a ``KA`` header such as
    ``sdk/1.39.0 os/android-30 lang/en-US origin/...``.

    The first ``lang/`` token decides: absent header, absent or empty token, or a
    value starting with ``ko`` (any case) gives ``"ko"``; any other value ``"en"``.
    """
    if not ka:
        return "ko"
    for token in ka.split():
        if token[:5].lower() == "lang/":
            value = token[5:]
            if not value or value[:2].lower() == "ko":
                return "ko"
            return "en"
    return "ko"


# ------------------------------------------------------------------------------ groups

_HANGUL: Final = 0
_SPECIAL: Final = 1
_NUMBER: Final = 2
_ENGLISH: Final = 3
_JAPANESE: Final = 4
_OTHER: Final = 5
_EMOJI: Final = 6

# group -> rank byte (never 0: 0x00 separates the elements from the UTF-8 tie-break)
_RANKS: Final[dict[Lang, tuple[int, ...]]] = {
    #      HANGUL SPECIAL NUMBER ENGLISH JAPANESE OTHER EMOJI
    "ko": (1, 2, 3, 4, 5, 6, 7),
    "en": (5, 1, 2, 3, 4, 6, 7),
}

_Element = tuple[int, int]  # (group, key within group), key < 2**24

# -------------------------------------------------------------------------------- emoji

# Extended_Pictographic=Yes, Unicode 17.0 emoji-data.txt (identical to the tables of
# the `regex` module; tests/domain/test_collation.py checks every code point).
# fmt: off
EXTENDED_PICTOGRAPHIC_RANGES: Final[tuple[tuple[int, int], ...]] = (
    (0x000A9, 0x000A9), (0x000AE, 0x000AE), (0x0203C, 0x0203C), (0x02049, 0x02049),
    (0x02122, 0x02122), (0x02139, 0x02139), (0x02194, 0x02199), (0x021A9, 0x021AA),
    (0x0231A, 0x0231B), (0x02328, 0x02328), (0x023CF, 0x023CF), (0x023E9, 0x023F3),
    (0x023F8, 0x023FA), (0x024C2, 0x024C2), (0x025AA, 0x025AB), (0x025B6, 0x025B6),
    (0x025C0, 0x025C0), (0x025FB, 0x025FE), (0x02600, 0x02604), (0x0260E, 0x0260E),
    (0x02611, 0x02611), (0x02614, 0x02615), (0x02618, 0x02618), (0x0261D, 0x0261D),
    (0x02620, 0x02620), (0x02622, 0x02623), (0x02626, 0x02626), (0x0262A, 0x0262A),
    (0x0262E, 0x0262F), (0x02638, 0x0263A), (0x02640, 0x02640), (0x02642, 0x02642),
    (0x02648, 0x02653), (0x0265F, 0x02660), (0x02663, 0x02663), (0x02665, 0x02666),
    (0x02668, 0x02668), (0x0267B, 0x0267B), (0x0267E, 0x0267F), (0x02692, 0x02697),
    (0x02699, 0x02699), (0x0269B, 0x0269C), (0x026A0, 0x026A1), (0x026A7, 0x026A7),
    (0x026AA, 0x026AB), (0x026B0, 0x026B1), (0x026BD, 0x026BE), (0x026C4, 0x026C5),
    (0x026C8, 0x026C8), (0x026CE, 0x026CF), (0x026D1, 0x026D1), (0x026D3, 0x026D4),
    (0x026E9, 0x026EA), (0x026F0, 0x026F5), (0x026F7, 0x026FA), (0x026FD, 0x026FD),
    (0x02702, 0x02702), (0x02705, 0x02705), (0x02708, 0x0270D), (0x0270F, 0x0270F),
    (0x02712, 0x02712), (0x02714, 0x02714), (0x02716, 0x02716), (0x0271D, 0x0271D),
    (0x02721, 0x02721), (0x02728, 0x02728), (0x02733, 0x02734), (0x02744, 0x02744),
    (0x02747, 0x02747), (0x0274C, 0x0274C), (0x0274E, 0x0274E), (0x02753, 0x02755),
    (0x02757, 0x02757), (0x02763, 0x02764), (0x02795, 0x02797), (0x027A1, 0x027A1),
    (0x027B0, 0x027B0), (0x027BF, 0x027BF), (0x02934, 0x02935), (0x02B05, 0x02B07),
    (0x02B1B, 0x02B1C), (0x02B50, 0x02B50), (0x02B55, 0x02B55), (0x03030, 0x03030),
    (0x0303D, 0x0303D), (0x03297, 0x03297), (0x03299, 0x03299), (0x1F004, 0x1F004),
    (0x1F02C, 0x1F02F), (0x1F094, 0x1F09F), (0x1F0AF, 0x1F0B0), (0x1F0C0, 0x1F0C0),
    (0x1F0CF, 0x1F0D0), (0x1F0F6, 0x1F0FF), (0x1F170, 0x1F171), (0x1F17E, 0x1F17F),
    (0x1F18E, 0x1F18E), (0x1F191, 0x1F19A), (0x1F1AF, 0x1F1E5), (0x1F201, 0x1F20F),
    (0x1F21A, 0x1F21A), (0x1F22F, 0x1F22F), (0x1F232, 0x1F23A), (0x1F23C, 0x1F23F),
    (0x1F249, 0x1F25F), (0x1F266, 0x1F321), (0x1F324, 0x1F393), (0x1F396, 0x1F397),
    (0x1F399, 0x1F39B), (0x1F39E, 0x1F3F0), (0x1F3F3, 0x1F3F5), (0x1F3F7, 0x1F3FA),
    (0x1F400, 0x1F4FD), (0x1F4FF, 0x1F53D), (0x1F549, 0x1F54E), (0x1F550, 0x1F567),
    (0x1F56F, 0x1F570), (0x1F573, 0x1F57A), (0x1F587, 0x1F587), (0x1F58A, 0x1F58D),
    (0x1F590, 0x1F590), (0x1F595, 0x1F596), (0x1F5A4, 0x1F5A5), (0x1F5A8, 0x1F5A8),
    (0x1F5B1, 0x1F5B2), (0x1F5BC, 0x1F5BC), (0x1F5C2, 0x1F5C4), (0x1F5D1, 0x1F5D3),
    (0x1F5DC, 0x1F5DE), (0x1F5E1, 0x1F5E1), (0x1F5E3, 0x1F5E3), (0x1F5E8, 0x1F5E8),
    (0x1F5EF, 0x1F5EF), (0x1F5F3, 0x1F5F3), (0x1F5FA, 0x1F64F), (0x1F680, 0x1F6C5),
    (0x1F6CB, 0x1F6D2), (0x1F6D5, 0x1F6E5), (0x1F6E9, 0x1F6E9), (0x1F6EB, 0x1F6F0),
    (0x1F6F3, 0x1F6FF), (0x1F7DC, 0x1F7F0), (0x1F80C, 0x1F80F), (0x1F848, 0x1F84F),
    (0x1F85A, 0x1F85F), (0x1F888, 0x1F88F), (0x1F8AE, 0x1F8AF), (0x1F8BC, 0x1F8BF),
    (0x1F8C2, 0x1F8CF), (0x1F8D9, 0x1F8FF), (0x1F90C, 0x1F93A), (0x1F93C, 0x1F945),
    (0x1F947, 0x1F9FF), (0x1FA58, 0x1FA5F), (0x1FA6E, 0x1FAFF), (0x1FC00, 0x1FFFD),
)
# fmt: on
_EP_STARTS: Final = tuple(start for start, _ in EXTENDED_PICTOGRAPHIC_RANGES)
_EP_ENDS: Final = tuple(end for _, end in EXTENDED_PICTOGRAPHIC_RANGES)

# Not Extended_Pictographic, but emoji for docs/reference/friends.md ("★ ♥ included"): ★ ☆ ♡ ♢ ♤ ♧.
_EXTRA_EMOJI: Final = frozenset({0x2605, 0x2606, 0x2661, 0x2662, 0x2664, 0x2667})


def is_extended_pictographic(cp: int) -> bool:
    """Whether code point ``cp`` has the Unicode property Extended_Pictographic."""
    i = bisect_right(_EP_STARTS, cp) - 1
    return i >= 0 and cp <= _EP_ENDS[i]


def is_emoji_char(cp: int) -> bool:
    """Whether ``cp`` starts an emoji element on its own (Extended_Pictographic, the
    ★-like extras, a regional indicator or a skin-tone modifier)."""
    return (
        is_extended_pictographic(cp)
        or cp in _EXTRA_EMOJI
        or 0x1F1E6 <= cp <= 0x1F1FF
        or 0x1F3FB <= cp <= 0x1F3FF
    )


# ------------------------------------------------------------------------------- Hangul

_HANGUL_BLOCK: Final = 0x400  # key space per initial consonant (syllables use 1..588)
_COMPAT_CONSONANTS: Final = "ㄱㄲㄳㄴㄵㄶㄷㄸㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅃㅄㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_INITIALS: Final = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"  # U+1100.. order
_FINALS: Final = "ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"  # U+11A8.. order
_VOWEL_BASE: Final = len(_INITIALS) * _HANGUL_BLOCK  # lone vowels after all syllables
_OLD_JAMO_BASE: Final = 0x10000  # archaic jamo and fillers: + conjoining code point


def _consonant_keys() -> dict[str, int]:
    keys: dict[str, int] = {}
    initial = 0
    for ch in _COMPAT_CONSONANTS:
        if ch in _INITIALS:
            initial = _INITIALS.index(ch)
            keys[ch] = initial * _HANGUL_BLOCK
        else:  # final-only compound: after the syllables of the preceding initial
            keys[ch] = initial * _HANGUL_BLOCK + 0x300 + (ord(ch) - 0x3130)
    return keys


def _jamo_keys() -> dict[int, int]:
    consonant = _consonant_keys()
    keys: dict[int, int] = {}
    for i, ch in enumerate(_INITIALS):
        keys[0x1100 + i] = consonant[ch]
    for v in range(21):
        keys[0x1161 + v] = _VOWEL_BASE + v
    for t, ch in enumerate(_FINALS):
        keys[0x11A8 + t] = consonant[ch]
    # compatibility jamo directly: NFKC would turn ㅄ into the archaic initial U+1121
    for ch, key in consonant.items():
        keys[ord(ch)] = key
    for v in range(21):
        keys[0x314F + v] = _VOWEL_BASE + v
    return keys


_JAMO_KEYS: Final = _jamo_keys()


def _is_hangul_range(cp: int) -> bool:
    return (
        0xAC00 <= cp <= 0xD7A3
        or 0x1100 <= cp <= 0x11FF
        or 0x3131 <= cp <= 0x318E
        or 0xA960 <= cp <= 0xA97F
        or 0xD7B0 <= cp <= 0xD7FF
        or 0xFFA0 <= cp <= 0xFFDC
    )


def _is_conjoining_jamo(cp: int) -> bool:
    return 0x1100 <= cp <= 0x11FF or 0xA960 <= cp <= 0xA97F or 0xD7B0 <= cp <= 0xD7FF


def _hangul_key(ch: str) -> int | None:
    cp = ord(ch)
    if 0xAC00 <= cp <= 0xD7A3:
        initial, rest = divmod(cp - 0xAC00, 588)
        return initial * _HANGUL_BLOCK + 1 + rest  # rest = medial * 28 + final
    if 0xFFA0 <= cp <= 0xFFDC:  # half-width -> compatibility jamo ("<narrow> 3131")
        decomposition = unicodedata.decomposition(ch).split()
        if len(decomposition) == 2:
            cp = int(decomposition[1], 16)
    key = _JAMO_KEYS.get(cp)
    if key is not None:
        return key
    folded = unicodedata.normalize("NFKC", chr(cp))  # archaic compatibility -> conjoining
    if len(folded) != 1:
        return None
    fcp = ord(folded)
    key = _JAMO_KEYS.get(fcp)
    if key is not None:
        return key
    if _is_conjoining_jamo(fcp):
        return _OLD_JAMO_BASE + fcp
    return None


# ----------------------------------------------------------------------------- Japanese

_KANA_MIN: Final = 0x3041
_KANA_MAX: Final = 0x3096
_ITERATION_KEY: Final = 0x309D  # stray iteration marks: right after the modern kana
_ARCHAIC_KANA_BASE: Final = 0x040000  # + code point
_PROLONGED_KEY: Final = 0x0F0000  # ー after all kana
_IDEOGRAPH_BASE: Final = 0x100000  # + code point
_ITERATION_MARKS: Final = frozenset({0x309D, 0x309E, 0x30FD, 0x30FE, 0x3031, 0x3032})
_IDEOGRAPH_LIKE: Final = frozenset({0x3005, 0x3006, 0x3007, 0x303B})  # 々 〆 〇 〻
_KANA_PREFIXES: Final = ("HIRAGANA LETTER ", "KATAKANA LETTER ", "HENTAIGANA LETTER ")


def _is_ideograph(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0xF900 <= cp <= 0xFAFF
        or 0x20000 <= cp <= 0x3FFFD  # SIP and TIP: extensions B..J, compatibility supp.
    )


def _fold_kana(ch: str, name: str) -> int | None:
    """Folded hiragana code point of a kana letter, or None if it has no modern one."""
    if name.startswith("HENTAIGANA LETTER "):
        reading = name[len("HENTAIGANA LETTER ") :].split("-")[0]
        try:
            ch = unicodedata.lookup("HIRAGANA LETTER " + reading)
        except KeyError:
            return None
    elif " SMALL " in name:
        try:
            ch = unicodedata.lookup(name.replace(" SMALL ", " ", 1))
        except KeyError:
            return None
    base = unicodedata.normalize("NFD", ch)[0]  # drops the voicing mark (が -> か)
    cp = ord(base)
    if 0x30A1 <= cp <= 0x30F6:  # katakana -> hiragana
        cp -= 0x60
    if _KANA_MIN <= cp <= _KANA_MAX:
        if cp in _SMALL_TO_LARGE:
            cp = _SMALL_TO_LARGE[cp]
        return cp
    return None


_SMALL_TO_LARGE: Final[dict[int, int]] = {
    ord(s): ord(large)
    for s, large in zip("ぁぃぅぇぉっゃゅょゎゕゖ", "あいうえおつやゆよわかけ", strict=True)
}

# ------------------------------------------------------------------------------- Latin

_LATIN_BASE_NAME: Final = re.compile(
    r"LATIN (?:SMALL |CAPITAL )?LETTER (?:SMALL CAPITAL |DOTLESS )?([A-Z])(?: WITH .*)?"
)


def _is_latin_name(name: str) -> bool:
    """LATIN as a word of the Unicode name (not GLAGOLITIC ... LATINATE MYSLITE)."""
    return name.startswith("LATIN ") or " LATIN " in name


def _strip_marks(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _latin_elements(ch: str) -> tuple[_Element, ...]:
    folded = _strip_marks(_strip_marks(ch).casefold())
    elements: list[_Element] = []
    for c in folded:
        if "a" <= c <= "z":
            elements.append((_ENGLISH, ord(c)))
            continue
        name = unicodedata.name(c, "")
        if _is_latin_name(name) and unicodedata.category(c).startswith("L"):
            m = _LATIN_BASE_NAME.fullmatch(name)
            elements.append((_ENGLISH, ord(m.group(1).lower()) if m else ord(c)))
        elif c != ch:
            elements.extend(_base_elements(c))
        else:  # pragma: no cover - a Latin letter always matches the branch above
            elements.append((_SPECIAL, ord(c)))
    return tuple(elements)


# ------------------------------------------------------------------------ classification


@lru_cache(maxsize=1 << 16)
def _base_elements(ch: str) -> tuple[_Element, ...]:
    """Elements of one (NFC) character, ignoring its neighbours."""
    cp = ord(ch)
    if is_emoji_char(cp):
        return ((_EMOJI, cp),)
    if _is_ideograph(cp) or cp in _IDEOGRAPH_LIKE:
        return ((_JAPANESE, _IDEOGRAPH_BASE + cp),)
    category = unicodedata.category(ch)
    if category == "Cn":
        return ((_SPECIAL, cp),)
    if _is_hangul_range(cp):
        key = _hangul_key(ch)
        if key is not None:
            return ((_HANGUL, key),)
    name = unicodedata.name(ch, "")
    if category[0] == "M":
        if name.startswith(("COMBINING ", "VARIATION SELECTOR")):
            return ()
        return ((_OTHER, cp),)
    value = unicodedata.decimal(ch, None)
    if value is not None:
        return ((_NUMBER, value),)
    folded = unicodedata.normalize("NFKC", ch)
    if folded != ch:
        if (
            folded[0] == " "
            and len(folded) > 1
            and all(unicodedata.combining(c) for c in folded[1:])
        ):
            return ((_SPECIAL, cp),)  # spacing diacritic (´ ¨ ゛): keep its own place
        elements: list[_Element] = []
        for c in folded:
            elements.extend(_base_elements(c))
        return tuple(elements)
    if category[0] == "L":
        if _is_latin_name(name):
            return _latin_elements(ch)
        if cp == 0x30FC:
            return ((_JAPANESE, _PROLONGED_KEY),)
        if name.startswith(_KANA_PREFIXES):
            kana = _fold_kana(ch, name)
            return ((_JAPANESE, kana if kana is not None else _ARCHAIC_KANA_BASE + cp),)
        if cp in _ITERATION_MARKS or 0x3033 <= cp <= 0x3035:
            return ((_JAPANESE, _ITERATION_KEY),)
        return ((_OTHER, cp),)
    return ((_SPECIAL, cp),)


def _pack(elements: Iterable[_Element], ranks: tuple[int, ...]) -> bytes:
    out = bytearray()
    for group, key in elements:
        out += bytes((ranks[group], key >> 16, (key >> 8) & 0xFF, key & 0xFF))
    return bytes(out)


_CACHE_LIMIT: Final = 1 << 16  # bounded: nicknames are user input


class _ElementCache(dict[str, bytes]):
    """char -> packed elements (context-free) for one language."""

    def __init__(self, ranks: tuple[int, ...]) -> None:
        super().__init__()
        self.ranks = ranks

    def __missing__(self, ch: str) -> bytes:
        packed = _pack(_base_elements(ch), self.ranks)
        if len(self) < _CACHE_LIMIT:
            self[ch] = packed
        return packed


_CACHES: Final[dict[Lang, _ElementCache]] = {lang: _ElementCache(r) for lang, r in _RANKS.items()}

# characters whose elements depend on their neighbours -> slow path
_CONTEXTUAL: Final = re.compile(
    "[\u200d\ufe0e\ufe0f\u20e3\U000e0020-\U000e007f\u309d\u309e\u30fd\u30fe\u3031\u3032]"
)
# the runs the slow path treats specially; text between them is context-free
_CONTEXT_RUNS: Final = re.compile(
    "(?P<keycap>[0-9#*][\ufe0e\ufe0f]?\u20e3)"
    "|(?P<trailers>[\u200d\ufe0e\ufe0f\U000e0020-\U000e007f]+)"
    "|(?P<iteration>[\u309d\u309e\u30fd\u30fe\u3031\u3032]+)"
)


def _last_element(text: str, start: int, end: int, carried: _Element | None) -> _Element | None:
    """Last element of the context-free run ``text[start:end]``, else ``carried``
    (the last element before ``start``)."""
    for k in range(end - 1, start - 1, -1):
        elements = _base_elements(text[k])
        if elements:
            return elements[-1]
    return carried


def _contextual_elements(text: str, lang: Lang) -> bytes:
    """Packed elements of ``text`` with emoji trailers, keycaps and kana iteration
    marks resolved against their neighbours."""
    ranks = _RANKS[lang]
    lookup = _CACHES[lang].__getitem__
    out: list[bytes] = []
    pos = 0
    carried: _Element | None = None  # last element emitted before `pos`
    for m in _CONTEXT_RUNS.finditer(text):
        start, end = m.span()
        if start > pos:
            out.append(b"".join(map(lookup, text[pos:start])))
        previous = _last_element(text, pos, start, carried)
        run = m.group()
        elements: list[_Element] | None = None
        if m.lastgroup == "keycap":
            elements = [(_EMOJI, ord(c)) for c in run]
        elif m.lastgroup == "trailers":
            if previous is not None and previous[0] == _EMOJI:
                elements = [(_EMOJI, ord(c)) for c in run]
        elif previous is not None and previous[0] == _JAPANESE and previous[1] <= _KANA_MAX:
            elements = [previous] * len(run)  # iteration marks repeat the kana
        if elements is None:  # no context: the characters' own elements
            out.append(b"".join(map(lookup, run)))
            carried = _last_element(text, start, end, previous)
        else:
            out.append(_pack(elements, ranks))
            carried = elements[-1]
        pos = end
    out.append(b"".join(map(lookup, text[pos:])))
    return b"".join(out)


# ---------------------------------------------------------------------------------- API


def collation_key(nickname: str, lang: Lang) -> bytes:
    """Byte string whose memcmp order is the docs/reference/friends.md nickname order for ``lang``,
    code-point tie-break included (equal keys iff equal nicknames)."""
    text = unicodedata.normalize("NFC", nickname)
    if _CONTEXTUAL.search(text) is None:
        primary = b"".join(map(_CACHES[lang].__getitem__, text))
    else:
        primary = _contextual_elements(text, lang)
    # UTF-8 preserves code point order under memcmp (surrogatepass: lone surrogates too)
    return primary + b"\x00" + nickname.encode("utf-8", "surrogatepass")


def compare(a: str, b: str, lang: Lang) -> int:
    """-1, 0 or 1 as nickname ``a`` sorts before, equal to or after ``b``."""
    ka = collation_key(a, lang)
    kb = collation_key(b, lang)
    return (ka > kb) - (ka < kb)


def sort_nicknames(names: Iterable[str], lang: Lang, *, desc: bool = False) -> list[str]:
    """The nicknames in collation order (reversed with ``desc``)."""
    return sorted(names, key=lambda name: collation_key(name, lang), reverse=desc)


def order_friends(
    friends: Iterable[T],
    *,
    nickname: Callable[[T], str],
    lang: Lang,
    desc: bool = False,
    favorite: Callable[[T], bool] | None = None,
) -> list[T]:
    """In-memory form of the friends order: by ``nickname`` (the one the caller sees),
    reversed with ``desc``; with ``favorite`` (``friend_order=favorite``) the favorites
    come first, each block in the requested direction. Friends with identical
    nicknames keep their input order (the database breaks those ties by ``id``)."""
    ordered = sorted(friends, key=lambda f: collation_key(nickname(f), lang), reverse=desc)
    if favorite is None:
        return ordered
    return [f for f in ordered if favorite(f)] + [f for f in ordered if not favorite(f)]
