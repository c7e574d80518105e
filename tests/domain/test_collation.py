"""Tests of the ko/en nickname collation (docs/reference/friends.md)."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talksocial.domain import collation as C
from talksocial.domain.collation import (
    EXTENDED_PICTOGRAPHIC_RANGES,
    Lang,
    collation_key,
    compare,
    is_emoji_char,
    is_extended_pictographic,
    lang_from_ka_header,
    order_friends,
    sort_nicknames,
)

LANGS: tuple[Lang, ...] = ("ko", "en")
PROPERTY = settings(max_examples=200, deadline=None)

# rank bytes, as documented in the module (first byte of every element)
KO_ORDER = ["hangul", "special", "number", "english", "japanese", "other", "emoji"]
EN_ORDER = ["special", "number", "english", "japanese", "hangul", "other", "emoji"]
KO_RANK = {group: i for i, group in enumerate(KO_ORDER, start=1)}
EN_RANK = {group: i for i, group in enumerate(EN_ORDER, start=1)}


def rank(nickname: str, lang: Lang = "ko") -> int:
    """Group rank of the first collation element of ``nickname``."""
    return collation_key(nickname, lang)[0]


def ranks(nickname: str, lang: Lang = "ko") -> list[int]:
    """Group ranks of all elements (the element section ends at the first 0x00 rank)."""
    key = collation_key(nickname, lang)
    out = []
    for i in range(0, len(key), 4):
        if key[i] == 0:
            break
        out.append(key[i])
    return out


def primary_equal(a: str, b: str, lang: Lang = "ko") -> bool:
    """Whether ``a`` and ``b`` tie before the code-point tie-break: then a suffix decides."""
    return compare(a + "あ", b + "い", lang) < 0 and compare(b + "あ", a + "い", lang) < 0


def is_sorted(names: list[str], lang: Lang) -> bool:
    return all(compare(x, y, lang) < 0 for x, y in zip(names, names[1:], strict=False))


# ----------------------------------------------------------------------------- KA header


@pytest.mark.parametrize(
    ("ka", "lang"),
    [
        (None, "ko"),
        ("", "ko"),
        ("sdk/1.39.0 os/android-30 origin/abc", "ko"),
        ("sdk/1.39.0 os/android-30 lang/ko-KR origin/abc", "ko"),
        ("sdk/1.39.0 os/ios-16 lang/KO origin/abc", "ko"),
        ("sdk/1.39.0 os/android-30 lang/en-US origin/abc", "en"),
        ("sdk/1.39.0 lang/ja-JP", "en"),
        ("LANG/en", "en"),
        ("sdk/1.0 lang/", "ko"),
        ("lang/zh-Hant lang/ko", "en"),
    ],
)
def test_lang_from_ka_header(ka: str | None, lang: Lang) -> None:
    assert lang_from_ka_header(ka) == lang


# ---------------------------------------------------------------------------- group order

REPRESENTATIVES = {
    "hangul": "가",
    "special": "!",
    "number": "7",
    "english": "a",
    "japanese": "あ",
    "other": "Ж",
    "emoji": "😀",
}


@pytest.mark.parametrize(
    ("lang", "order"),
    [("ko", KO_ORDER), ("en", EN_ORDER)],
)
def test_group_order(lang: Lang, order: list[str]) -> None:
    expected = [REPRESENTATIVES[g] for g in order]
    shuffled = expected[:]
    for seed in range(5):
        random.Random(seed).shuffle(shuffled)
        assert sort_nicknames(shuffled, lang) == expected
    table = KO_RANK if lang == "ko" else EN_RANK
    assert [rank(REPRESENTATIVES[g], lang) for g in order] == [table[g] for g in order]
    assert [table[g] for g in order] == list(range(1, 8))


@pytest.mark.parametrize(
    ("group", "samples"),
    [
        ("hangul", ["가", "힣", "ㄱ", "ㅏ", "ᄀ", "ᆨ", "ﾡ", "ㆅ", "㉠", "㉮"]),
        ("special", ["!", " ", "\u3000", "_", "(", "！", "´", "゛", "\u200d", "・", "€", "\x00"]),
        ("number", ["0", "9", "０", "٣", "३", "𝟏", "①", "¹"]),
        ("english", ["a", "Z", "é", "Ａ", "ß", "ﬁ", "ø", "ł", "ı", "æ", "ª", "Ⓐ"]),
        ("japanese", ["あ", "ア", "ｱ", "ー", "ｰ", "ゝ", "漢", "王", "丽", "𠀋", "々", "ヶ", "㋐"]),
        ("other", ["Ж", "α", "Ω", "ก", "ع", "א", "ᚠ", "ꙮ"]),
        ("emoji", ["★", "♥", "☆", "♡", "😀", "🇰🇷", "👍🏽", "©", "™", "1️⃣", "#⃣", "🏻", "🐶"]),
    ],
)
def test_group_membership(group: str, samples: list[str]) -> None:
    for sample in samples:
        assert set(ranks(sample, "ko")) == {KO_RANK[group]}, sample
        assert set(ranks(sample, "en")) == {EN_RANK[group]}, sample


def test_mixed_nickname_elements() -> None:
    assert ranks("가a1!", "ko") == [1, 4, 3, 2]
    assert ranks("가a1!", "en") == [5, 3, 2, 1]
    assert ranks("㈜", "ko") == [2, 1, 2]  # "(주)"


# --------------------------------------------------------------------------------- numbers


@pytest.mark.parametrize("lang", LANGS)
def test_no_number_parsing(lang: Lang) -> None:
    assert compare("10ten", "7seven", lang) < 0
    assert sort_nicknames(["9", "10", "100", "2"], lang) == ["10", "100", "2", "9"]


@pytest.mark.parametrize("lang", LANGS)
def test_full_width_digits_tie_broken_by_code_point(lang: Lang) -> None:
    assert primary_equal("1", "１", lang)
    assert compare("1", "１", lang) < 0  # tie-break: U+0031 < U+FF11
    assert compare("１", "2", lang) < 0
    assert compare("１b", "1a", lang) > 0 and compare("１a", "1b", lang) < 0
    assert collation_key("1", lang) != collation_key("１", lang)
    assert primary_equal("٣", "3", lang) and primary_equal("३", "3", lang)


# ---------------------------------------------------------------------------------- Hangul


def test_hangul_dictionary_order() -> None:
    order = list("ㄱ가각갛개깋ㄲ까ㄳㄴ나ㄷ다하힣")
    for lang in LANGS:
        assert is_sorted(order, lang)
        assert sort_nicknames(reversed(order), lang) == order


def test_hangul_jamo_placement() -> None:
    # conjoining and half-width jamo are the same letter as the compatibility jamo
    assert primary_equal("ᄀ", "ㄱ") and primary_equal("ᆨ", "ㄱ") and primary_equal("ﾡ", "ㄱ")
    # final-only compound consonants follow their compatibility-jamo position
    assert is_sorted(["릿", "ㄺ", "ㅀ", "ㅁ", "마"], "ko")
    assert is_sorted(["삫", "ㅄ", "ㅅ", "사"], "ko")
    # lone vowels after all syllables, in vowel order; archaic jamo last
    assert is_sorted(["힣", "ㅏ", "ㅐ", "ㅣ", "ㆅ"], "ko")
    assert primary_equal("ㅏ", "\u1161")
    # conjoining sequences collate as the precomposed syllable (NFC)
    assert primary_equal("\u1100\u1161", "가")


def test_hangul_before_latin_in_korean_and_after_in_english() -> None:
    names = ["라이언", "Ryan", "어피치", "Apeach", "ネオ", "무지"]
    assert sort_nicknames(names, "ko") == ["라이언", "무지", "어피치", "Apeach", "Ryan", "ネオ"]
    assert sort_nicknames(names, "en") == ["Apeach", "Ryan", "ネオ", "라이언", "무지", "어피치"]


# --------------------------------------------------------------------------------- English


@pytest.mark.parametrize("lang", LANGS)
def test_english_case_and_accent_insensitive(lang: Lang) -> None:
    assert sort_nicknames(["Ryan", "Jordy", "Apeach"], lang) == ["Apeach", "Jordy", "Ryan"]
    assert sort_nicknames(["ryan", "Jordy", "apeach"], lang) == ["apeach", "Jordy", "ryan"]
    assert is_sorted(["Elena", "Émile", "Emily", "eric"], lang)
    for a, b in [("A", "a"), ("É", "e"), ("e\u0301", "é"), ("Ａ", "a"), ("ß", "ss"), ("ﬁ", "fi")]:
        assert primary_equal(a, b, lang), (a, b)
    assert compare("A", "a", lang) < 0  # tie-break by code point
    assert primary_equal("Øyvind", "oyvind", lang)
    assert compare("zoe", "æble", lang) < 0  # letters without a base letter after z


# -------------------------------------------------------------------------------- Japanese


@pytest.mark.parametrize("lang", LANGS)
def test_kana_folding(lang: Lang) -> None:
    pairs = [
        ("カ", "か"),
        ("ｶ", "か"),
        ("ぁ", "あ"),
        ("ッ", "つ"),
        ("が", "か"),
        ("ぱ", "は"),
        ("ヴ", "う"),
        ("ｶﾞ", "か"),
        ("ヶ", "け"),
        ("ㇰ", "く"),
        ("ヷ", "わ"),
        ("ｰ", "ー"),
        ("いすゞ", "いすす"),
        ("ドラえもん", "とらえもん"),
    ]
    for a, b in pairs:
        assert primary_equal(a, b, lang), (a, b)


@pytest.mark.parametrize("lang", LANGS)
def test_japanese_order(lang: Lang) -> None:
    gojuon = list("あイうかさタなはまやらわゐをん")
    assert is_sorted(gojuon, lang)
    assert is_sorted(["ん", "ゝ", "ー", "々", "一", "亜", "漢", "\U00020000", "\U0003134a"], lang)
    assert primary_equal("\uf900", "\u8c48", lang)  # compatibility ideograph = unified (NFC)
    assert primary_equal("\U0002f800", "\u4e3d", lang)
    assert is_sorted(["ネオ", "ネー", "王"], lang)


# ----------------------------------------------------------------------------------- emoji


def test_emoji() -> None:
    for s in [
        "★",
        "♥",
        "🇰🇷",
        "👍🏽",
        "👨\u200d👩\u200d👧",
        "❤️",
        "🏴\U000e0067\U000e0062\U000e007f",
    ]:
        assert set(ranks(s, "ko")) == {7}, s
        assert set(ranks(s, "en")) == {7}, s
    assert not is_extended_pictographic(0x2605) and is_emoji_char(0x2605)  # ★ added by docs/reference/friends.md#emoji
    assert is_extended_pictographic(0x2665)  # ♥
    assert compare("👍", "👍🏽", "ko") < 0
    assert compare("Жанна", "★", "ko") < 0 and compare("Жанна", "★", "en") < 0
    # a ZWJ / VS16 / keycap mark without an emoji before it is not emoji
    assert ranks("a\u200d", "ko") == [4, 2]
    assert ranks("a\ufe0f\u20e3", "ko") == [4]
    assert ranks("1\u20e3", "ko") == [7, 7]
    assert ranks("1\ufe0f\u20e3하나", "ko") == [7, 7, 7, 1, 1]


# ------------------------------------------------------------------------ desc / favorites


@dataclass(frozen=True)
class Friend:
    id: int
    nickname: str
    favorite: bool


FRIENDS = [
    Friend(1, "라이언", False),
    Friend(2, "Apeach", True),
    Friend(3, "무지", True),
    Friend(4, "★", False),
    Friend(5, "Jordy", False),
    Friend(6, "10ten", True),
]


def test_order_friends() -> None:
    def nick(f: Friend) -> str:
        return f.nickname

    def fav(f: Friend) -> bool:
        return f.favorite

    asc = order_friends(FRIENDS, nickname=nick, lang="ko")
    assert [f.id for f in asc] == [1, 3, 6, 2, 5, 4]
    desc = order_friends(FRIENDS, nickname=nick, lang="ko", desc=True)
    assert desc == asc[::-1]
    favs = order_friends(FRIENDS, nickname=nick, lang="ko", favorite=fav)
    assert [f.id for f in favs] == [3, 6, 2, 1, 5, 4]
    favs_desc = order_friends(FRIENDS, nickname=nick, lang="ko", desc=True, favorite=fav)
    assert [f.id for f in favs_desc] == [2, 6, 3, 4, 5, 1]
    assert [f.id for f in order_friends(FRIENDS, nickname=nick, lang="en")] == [6, 2, 5, 1, 3, 4]


# ------------------------------------------------------------------- Extended_Pictographic


def test_extended_pictographic_table_matches_regex() -> None:
    regex = pytest.importorskip("regex")
    everything = "".join(map(chr, range(0x110000)))
    expected = [
        (m.start(), m.end() - 1) for m in regex.finditer(r"\p{Extended_Pictographic}+", everything)
    ]
    assert list(EXTENDED_PICTOGRAPHIC_RANGES) == expected
    members: set[int] = set()
    for start, end in expected:
        members.update(range(start, end + 1))
    mismatches = [cp for cp in range(0x110000) if is_extended_pictographic(cp) != (cp in members)]
    assert mismatches == []


# ------------------------------------------------------------------------------ properties

INTERESTING = list(
    "가각나ㄱㄲㄳㅏᄀᆨﾡ!? _.()-1７٣①¹aAéÉßﬁøæЖαกあアｱｶﾞがゝゞヽーｰ漢々"
    "★♥😀👍🏽🇰🇷\u200d\ufe0f\ufe0e\u20e3\u0301\u3099#*\U000e0067\U000e007f"
)
nicknames = st.text(
    alphabet=st.one_of(st.sampled_from(INTERESTING), st.characters()),
    max_size=8,
)


def oracle(text: str, lang: Lang) -> tuple[list[tuple[int, int]], list[int]]:
    """Straightforward char-by-char implementation of docs/reference/friends.md on top of the module's
    context-free character classification: (elements as (rank, key), code points)."""
    table = C._RANKS[lang]
    norm = unicodedata.normalize("NFC", text)
    out: list[tuple[int, int]] = []
    after_emoji = False
    last_kana: int | None = None
    trailers = {0x200D, 0xFE0E, 0xFE0F, *range(0x1F3FB, 0x1F400), *range(0xE0020, 0xE0080)}
    i = 0
    while i < len(norm):
        ch, cp = norm[i], ord(norm[i])
        if after_emoji and cp in trailers:
            out.append((table[C._EMOJI], cp))
            i += 1
            continue
        if ch in "0123456789#*":
            j = i + 1
            if j < len(norm) and norm[j] in "\ufe0e\ufe0f":
                j += 1
            if j < len(norm) and norm[j] == "\u20e3":
                out.extend((table[C._EMOJI], ord(c)) for c in norm[i : j + 1])
                after_emoji, last_kana = True, None
                i = j + 1
                continue
        if cp in (0x309D, 0x309E, 0x30FD, 0x30FE, 0x3031, 0x3032) and last_kana is not None:
            out.append((table[C._JAPANESE], last_kana))
            i += 1
            continue
        elements = C._base_elements(ch)
        out.extend((table[g], k) for g, k in elements)
        if elements:
            group, key = elements[-1]
            after_emoji = group == C._EMOJI
            last_kana = key if group == C._JAPANESE and key <= 0x3096 else None
        i += 1
    return out, [ord(c) for c in text]


@PROPERTY
@given(a=nicknames, b=nicknames, lang=st.sampled_from(LANGS))
def test_key_order_matches_oracle(a: str, b: str, lang: Lang) -> None:
    ka, kb = collation_key(a, lang), collation_key(b, lang)
    oa, ob = oracle(a, lang), oracle(b, lang)
    assert (ka < kb) == (oa < ob)
    assert (ka == kb) == (oa == ob) == (a == b)


@PROPERTY
@given(a=nicknames, b=nicknames, lang=st.sampled_from(LANGS))
def test_antisymmetric_and_equal_iff_equal(a: str, b: str, lang: Lang) -> None:
    assert compare(a, b, lang) == -compare(b, a, lang)
    assert (compare(a, b, lang) == 0) == (a == b)
    assert (collation_key(a, lang) == collation_key(b, lang)) == (a == b)
    assert compare(a, a, lang) == 0


@PROPERTY
@given(names=st.lists(nicknames, max_size=12), lang=st.sampled_from(LANGS))
def test_sorting_is_consistent(names: list[str], lang: Lang) -> None:
    ordered = sort_nicknames(names, lang)
    for i, x in enumerate(ordered):  # transitivity: every later one is >=
        for y in ordered[i:]:
            assert compare(x, y, lang) <= 0
    assert sort_nicknames(ordered[::-1], lang) == ordered
    assert sort_nicknames(names, lang, desc=True) == ordered[::-1]


@PROPERTY
@given(
    friends=st.lists(st.tuples(nicknames, st.booleans()), max_size=12),
    lang=st.sampled_from(LANGS),
    desc=st.booleans(),
)
def test_favorites_come_first(friends: list[tuple[str, bool]], lang: Lang, desc: bool) -> None:
    items = [Friend(i, nick, fav) for i, (nick, fav) in enumerate(friends)]
    ordered = order_friends(
        items, nickname=lambda f: f.nickname, lang=lang, desc=desc, favorite=lambda f: f.favorite
    )
    flags = [f.favorite for f in ordered]
    assert flags == sorted(flags, reverse=True)
    for block in ([f for f in ordered if f.favorite], [f for f in ordered if not f.favorite]):
        expected = sort_nicknames([f.nickname for f in block], lang, desc=desc)
        assert [f.nickname for f in block] == expected
