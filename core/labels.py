"""Label normalization and matching against the template.

Printed labels vary in width (（一） vs (一)), spacing (EN SPACE U+2002, ideographic
space U+3000, "尚 未 审 结"), quotes (“三安全一稳定” / '三安全一稳定' / none), enumerators
(1. / 1． / 1、 / １．) and parenthetical notes. Everything is compared after `norm`, and a
label that still differs (OCR slips, printed typos such as r001's "2.其他法律行政止公开")
is matched fuzzily, only within its group and only above a similarity floor.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from difflib import SequenceMatcher

_QUOTES = str.maketrans({c: "" for c in "\"'“”‘’「」『』〝〞＂＇`´"})
_PARENS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")"})
_PUNCT = str.maketrans({"，": ",", "、": "、", "：": ":", "；": ";", "．": ".", "。": "."})
_WS = re.compile(r"\s+", re.UNICODE)
_PAREN_NOTE = re.compile(r"\([^()]*\)$")
_OPEN_NOTE = re.compile(r"(?<=.)\([^()]{4,}$")  # a trailing note whose ")" was lost (OCR, a cut cell)
_ENUM = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.,]|\([一二三四五六七八九十]+\)|\d{1,2}[.、,·・•‧∙](?!\d)|\(\d{1,2}\))"
)
"""Leading enumerators. After a digit, a middle dot counts as the full stop: OCR reads the
full-width "．" of "3．其他" as "·" or "・" (nothing else puts one between a label's number
and its words)."""
_CN_DIGITS = "一二三四五六七八九十"
PREFIX_MIN = 6


@functools.lru_cache(maxsize=1 << 15)  # labels repeat from table to table and report to report
def squash(text: str) -> str:
    """NFKC, every Unicode space removed, quotes dropped, brackets and punctuation unified."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _WS.sub("", text).replace("\u200b", "").replace("\ufeff", "")
    return text.translate(_QUOTES).translate(_PARENS).translate(_PUNCT)


def strip_enum(text: str) -> str:
    """Remove leading enumerators ("三、", "(一)", "1.", "(1)") — repeatedly, for "三、(一)"."""
    prev = None
    while prev != text:
        prev = text
        text = _ENUM.sub("", text)
    return text


def enum_number(text: str) -> int | None:
    """The number of a leading enumerator ("(三)" → 3, "2." → 2), or None."""
    m = _ENUM.match(squash(text))
    if not m:
        return None
    digits = re.sub(r"[^0-9一二三四五六七八九十]", "", m.group(0))
    if digits.isdigit():
        return int(digits)
    if digits == "十":
        return 10
    return _CN_DIGITS.index(digits[0]) + 1 if digits and digits[0] in _CN_DIGITS else None


@functools.lru_cache(maxsize=1 << 15)
def key(text: str) -> str:
    """The comparable core of a label: squashed, enumerators and a trailing note dropped."""
    s = _OPEN_NOTE.sub("", strip_enum(squash(text)))
    while True:
        t = _PAREN_NOTE.sub("", s)
        if t == s or not t:
            break
        s = t
    return s


_NOTE = re.compile(r"^(?:注|备注|说明|附注|注释|数据来源|资料来源|填表说明|填报说明)\d*[:：]|^\*")


def is_note(text: str) -> bool:
    """A note printed in or under a table ("注：…", "说明：…", "数据来源：…", or a sentence
    of explanation ending in 。): not a row of the template, and never part of the row above
    it. No template label holds a full stop."""
    t = squash(text)
    return bool(_NOTE.match(t)) or (len(t) >= 8 and t.endswith("."))  # squash makes 。 a "."


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def best_match(text: str, candidates: dict[str, str], floor: float = 0.75) -> tuple[str | None, float]:
    """The candidate whose key equals or (above `floor`) most resembles the text's key.

    `candidates` maps an id to a label. Returns (id, score); an exact key match scores 1.0.
    """
    k = key(text)
    if not k:
        return None, 0.0
    best_id, best = None, 0.0
    prefixed = []
    for cid, label in candidates.items():
        ck = key(label)
        if k == ck:
            return cid, 1.0
        if len(k) >= PREFIX_MIN and ck.startswith(k):
            prefixed.append(cid)
        s = similarity(k, ck)
        if s > best:
            best_id, best = cid, s
    if best < floor and len(prefixed) == 1:
        # A label cut short (a cell wrapped across a page break, a crop) still names one row.
        return prefixed[0], floor
    return (best_id, best) if best >= floor else (None, best)
