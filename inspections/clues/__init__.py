"""Clues and complaints: intake, triage, verification and the reply, with the complainant's identity kept to the clue staff."""
