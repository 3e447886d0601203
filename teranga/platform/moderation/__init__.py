"""Moderation, one platform app for every product and for messaging.

* **Checks** (:func:`services.check`): every registered rule (``extensions.moderation_rules``:
  the built-in ones of ``rules`` and whatever products add) looks at a text with its
  :class:`~.verdicts.ModerationContext` and returns a :class:`~.verdicts.Verdict`
  (``allow``, ``flag`` or ``block``); the most severe wins, a block stops the checks.
* **Kinds** (``extensions.moderation_kinds``): what can be moderated (``"messaging.message"``,
  ``"clinic.review"``), who moderates it and what removing it means.
* **The queue and the log** (``models``): flagged or reported content opens a
  :class:`~.models.ModerationCase` that its moderators approve or remove
  (``/api/v1/moderation/``, the admin); every step is a :class:`~.models.ModerationLogEntry`.
"""
