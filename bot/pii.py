"""Mask personal data (phone, ID card, bank card, e-mail, address details) before it is stored or logged.

One function, ``mask_pii``, used everywhere: ticket summaries, handoff records, logs.
Order numbers (DD + 13 digits) are not personal data and stay readable.
"""
from __future__ import annotations

import logging
import re
from typing import Match

_NOT_DIGIT_OR_LETTER_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_DIGIT_OR_LETTER_AFTER = r"(?![0-9A-Za-z])"

_ID_CARD = re.compile(_NOT_DIGIT_OR_LETTER_BEFORE + r"(\d{6})(\d{8})(\d{3}[\dXx])" + _NOT_DIGIT_OR_LETTER_AFTER)
_BANK_CARD = re.compile(
    _NOT_DIGIT_OR_LETTER_BEFORE + r"(\d{4})((?:[ -]?\d){8,11})([ -]?\d{4})" + _NOT_DIGIT_OR_LETTER_AFTER
)
_PHONE = re.compile(
    _NOT_DIGIT_OR_LETTER_BEFORE
    + r"((?:\+?86[ -]?)?1[3-9]\d)([ -]?\d{4})([ -]?\d{4})"
    + _NOT_DIGIT_OR_LETTER_AFTER
)
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# Chinese address details: house, building, unit and room numbers after the street part.
_ZH_ADDRESS_DETAIL = re.compile(r"(?<=[路街道巷弄村号栋楼座元层幢])\s*\d+[A-Za-z]?\s*(?=[号栋楼单元室层座幢])")
# English house numbers: "221B Baker Street", "12 Main Rd", "Apt 5".
_EN_HOUSE_NUMBER = re.compile(
    r"\b\d+[A-Za-z]?(?=\s+(?:[A-Z][a-z]+\s+)+(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way)\b)"
)
_EN_UNIT = re.compile(r"\b(Apt|Apartment|Unit|Suite|Flat|Room)\.?\s*#?\s*\w+", re.IGNORECASE)


def _keep_ends(match: Match[str]) -> str:
    head, middle, tail = match.group(1), match.group(2), match.group(3)
    return head + re.sub(r"\d", "*", middle) + tail


def _phone(match: Match[str]) -> str:
    head, middle, tail = match.group(1), match.group(2), match.group(3)
    return head + re.sub(r"\d", "*", middle) + tail


def mask_pii(text: str) -> str:
    """Return ``text`` with personal data masked: 13812345678 → 138****5678, and so on."""
    if not text:
        return text
    masked = _ID_CARD.sub(lambda m: m.group(1)[:3] + "*" * 11 + m.group(3)[-4:], text)
    masked = _BANK_CARD.sub(_keep_ends, masked)
    masked = _PHONE.sub(_phone, masked)
    masked = _EMAIL.sub(lambda m: m.group(1) + "***" + m.group(2), masked)
    masked = _ZH_ADDRESS_DETAIL.sub("**", masked)
    masked = _EN_HOUSE_NUMBER.sub("**", masked)
    masked = _EN_UNIT.sub(lambda m: m.group(1) + " **", masked)
    return masked


class MaskingFilter(logging.Filter):
    """A logging filter that masks personal data in every record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = ()
        record.msg = mask_pii(str(record.msg))
        return True


def install_log_masking(logger: logging.Logger = logging.getLogger()) -> None:
    """Mask personal data in everything ``logger``'s handlers write (root logger by default)."""
    masking = MaskingFilter()
    for handler in logger.handlers:
        handler.addFilter(masking)
    logger.addFilter(masking)
