"""Signals security sends for other apps to act on, so that security imports none of them.

`credentials_revoked(user_id, tokens_only)`: sent after the commit that voided a user's credentials; the
notifications app closes the user's open websockets on it (all of them, or only token ones).
"""
from django.dispatch import Signal

credentials_revoked = Signal()
