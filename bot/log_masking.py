"""Personal data never reaches a log: every record is passed through ``bot.pii.mask_pii``.

Two ways in, both installed by ``install()``:

* ``MaskingFilter`` on the handlers, for a handler that was configured with it;
* a log-record factory that masks each record as it is created, so handlers added later by
  libraries (Rasa installs coloredlogs' handler after reading its logging config) are
  covered too.

Our own processes (the launcher, the console, the command-line tools) call ``install()``.
The Rasa server and the action server read ``logging.yml`` (the launcher passes it with
``--logging-config-file``); its filter factory ``masking_filter`` installs the record
factory in those processes.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bot.pii import mask_pii

_MASKED = "_pii_masked"


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask ``record`` in place: its message (arguments merged in), traceback and stack text."""
    if getattr(record, _MASKED, False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a broken format string: leave it for the handler to report
        return record
    record.msg = mask_pii(message)
    record.args = ()
    if record.exc_info and not record.exc_text:
        # Formatters reuse exc_text when it is set, so the masked traceback is what gets written.
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_pii(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_pii(record.stack_info)
    setattr(record, _MASKED, True)
    return record


class MaskingFilter(logging.Filter):
    """A logging filter that masks personal data in every record it sees (and never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


def install_record_masking() -> None:
    """Mask every record created in this process from now on, whichever handler writes it."""
    current: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()
    if getattr(current, "masks_pii", False):
        return

    def masking_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return mask_record(current(*args, **kwargs))

    masking_factory.masks_pii = True  # type: ignore[attr-defined]
    masking_factory.wrapped = current  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masking_factory)


def uninstall_record_masking() -> None:
    """Undo ``install_record_masking`` (tests)."""
    current = logging.getLogRecordFactory()
    if getattr(current, "masks_pii", False):
        logging.setLogRecordFactory(current.wrapped)  # type: ignore[attr-defined]


def install(logger: logging.Logger | None = None) -> None:
    """Mask personal data in everything this process logs: filters on ``logger``'s handlers
    (the root logger by default) and the record factory."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())
    install_record_masking()


def masking_filter() -> MaskingFilter:
    """Filter factory for ``logging.config.dictConfig`` (``logging.yml``): installs the record
    factory as well, so handlers that the Rasa processes add afterwards mask too."""
    install_record_masking()
    return MaskingFilter()
