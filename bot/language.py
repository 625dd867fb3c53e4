"""Which language a user wrote in: Chinese first, English too."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

SUPPORTED_LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Codes such as order numbers (DD2026110500123), tracking numbers (SF1234567890) or "5G": letters
# with digits are not words of any language.
_CODE = re.compile(r"[A-Za-z]*[0-9０-９][A-Za-z0-9０-９]*")


def detect_language(text: str) -> str | None:
    """Return "zh" or "en" for ``text``, or None when it has no words (digits, emoji, punctuation).

    Mixed messages count as Chinese unless English words clearly dominate: "我的order到哪了"
    is a Chinese sentence with an English word, "where is my order 谢谢" an English one.
    A message that is only a code ("DD2026110500123") has no words: the conversation keeps its language.
    """
    text = _CODE.sub(" ", text or "")
    cjk_chars = len(_CJK.findall(text))
    latin_words = len(_LATIN_WORD.findall(text))
    if cjk_chars == 0 and latin_words == 0:
        return None
    # One Chinese word is about two characters; compare words with words.
    return "zh" if cjk_chars / 2 >= latin_words else "en"


def localized(texts: Mapping[str, Any], language: str | None) -> Any:
    """Pick the ``language`` variant of a ``{zh: …, en: …}`` mapping, else the default language."""
    if language is not None and language in texts:
        return texts[language]
    return texts.get(DEFAULT_LANGUAGE)
