"""Refresh the English catalogue: collect strings, fill them from locale/en.json, compile.

Source strings are Chinese (the product's first language); English is the
translation. Strings with a context (pgettext) are keyed "context::msgid". Usage: python scripts/i18n.py  (reports strings still missing).
"""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale/en/LC_MESSAGES/django.po"
TERMS = ROOT / "locale/en.json"


def main() -> int:
    subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete",
                    "--ignore=.venv", "--ignore=tests", "--ignore=bench", "--ignore=staticfiles"],
                   cwd=ROOT, check=True, env={**__import__("os").environ, "DUDAO_DEMO": "1"})
    import polib

    terms = json.loads(TERMS.read_text(encoding="utf-8"))
    catalogue = polib.pofile(str(PO))
    missing = []
    for entry in catalogue:
        # A string with a context (pgettext) is keyed "context::msgid" in en.json.
        english = terms.get(f"{entry.msgctxt}::{entry.msgid}" if entry.msgctxt else entry.msgid)
        if english is None:
            missing.append(entry.msgid)
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = {0: english, 1: terms.get(entry.msgid_plural, english)}
        else:
            entry.msgstr = english
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    catalogue.save()
    catalogue.save_as_mofile(str(PO.with_suffix(".mo")))
    for msgid in missing:
        print("missing:", msgid)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
