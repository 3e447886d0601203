"""The messaging app's extension points: :data:`moderation_functions` (checks every
message before it is stored; see ``moderation`` for what a function returns)."""

from .moderation import Verdict, moderation_functions

__all__ = ["Verdict", "moderation_functions"]
