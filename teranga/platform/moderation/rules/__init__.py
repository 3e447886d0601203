"""The built-in rules, registered in :data:`~..extensions.moderation_rules` in this order
(``check`` runs the registry in registration order, products' rules after these): rate,
repeated content, keywords, patterns, links, spam. The classifier hook runs last, in
``services.check``, only when nothing blocked. Every threshold is a setting with a
default (see each module)."""

from ..extensions import moderation_rules
from .counters import rate_rule, repeated_rule
from .keywords import keyword_rule, pattern_rule
from .links import link_rule
from .spam import spam_rule

for _name, _rule in (
    ("moderation.rate", rate_rule),
    ("moderation.repeated", repeated_rule),
    ("moderation.keywords", keyword_rule),
    ("moderation.patterns", pattern_rule),
    ("moderation.links", link_rule),
    ("moderation.spam", spam_rule),
):
    moderation_rules.register(_name, _rule, origin="moderation")
