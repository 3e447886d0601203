"""The classifier hook (code ``classifier``): ``MODERATION_CLASSIFIER``, the dotted path of a
callable ``(text, context) -> (score 0..1, label)``, or None (the default: no classifier).
A score of at least ``MODERATION_CLASSIFIER_BLOCK`` (0.95) blocks, of at least
``MODERATION_CLASSIFIER_FLAG`` (0.7) flags. The call gets ``MODERATION_CLASSIFIER_TIMEOUT``
seconds (2); an exception, a timeout or a malformed answer is logged (never the text) and
allows: a classifier that is down never stops people writing."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.utils.module_loading import import_string

from .verdicts import ALLOW, BLOCK, FLAG, ModerationContext, Verdict

logger = logging.getLogger(__name__)

#: Classifier calls run here, so that a slow one is given up after its timeout.
_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="moderation-classifier")


def _setting(name: str, default):
    value = getattr(settings, name, None)
    return default if value is None else value


def classify(text: str, context: ModerationContext) -> Verdict:
    path = getattr(settings, "MODERATION_CLASSIFIER", None)
    if not path:
        return Verdict(ALLOW)
    try:
        classifier = import_string(path) if isinstance(path, str) else path
        future = _pool.submit(classifier, text, context)
        score, label = future.result(timeout=_setting("MODERATION_CLASSIFIER_TIMEOUT", 2.0))
        score = float(score)
    except FutureTimeout:
        logger.warning("Moderation classifier timed out (kind %s): allowed.", context.kind)
        return Verdict(ALLOW)
    except Exception as error:  # noqa: BLE001 - whatever it raised, the text is allowed
        logger.warning(
            "Moderation classifier failed (kind %s, %s): allowed.",
            context.kind,
            type(error).__name__,
        )
        return Verdict(ALLOW)
    reason = f"classifier: {str(label)[:60]} ({score:.2f})"
    if score >= _setting("MODERATION_CLASSIFIER_BLOCK", 0.95):
        return Verdict(BLOCK, reason, "classifier")
    if score >= _setting("MODERATION_CLASSIFIER_FLAG", 0.7):
        return Verdict(FLAG, reason, "classifier")
    return Verdict(ALLOW)
