"""The interface is complete in Simplified Chinese, and the committed catalogue is compiled."""

import re
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

CATALOGUE = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES"


@pytest.fixture
def msgfmt():
    path = shutil.which("msgfmt")
    assert path, "msgfmt is missing: install gettext (apt install gettext)"
    return path


def test_every_message_is_translated(msgfmt):
    result = subprocess.run(
        [msgfmt, "--check-format", "--statistics", "-o", "/dev/null", str(CATALOGUE / "django.po")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_the_compiled_catalogue_matches_the_source(msgfmt, tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run([msgfmt, "--check-format", "-o", str(compiled), str(CATALOGUE / "django.po")], check=True)
    assert compiled.read_bytes() == (CATALOGUE / "django.mo").read_bytes(), "run: python manage.py compilemessages"


def test_every_message_in_the_code_has_its_translation(msgfmt, tmp_path):
    """The catalogue as makemessages would write it from the code today: nothing new is missing."""
    root = CATALOGUE.parent.parent.parent
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "*.py", "*.html", "*.txt", "locale"],
        cwd=root, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, files):
        if (root / name).is_file():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / name, tmp_path / name)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-location", "--no-obsolete"],
        cwd=tmp_path, capture_output=True, check=True,
    )  # fmt: skip
    regenerated = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    unused = message_ids(CATALOGUE / "django.po") - message_ids(regenerated)
    assert not unused, f"Messages no code asks for any more (drop them, or see why makemessages missed them): {unused}"
    statistics = subprocess.run(
        [msgfmt, "--statistics", "-o", "/dev/null", str(regenerated)], capture_output=True, text=True, check=True
    ).stderr
    if "untranslated" in statistics or "fuzzy" in statistics:
        missing = (
            subprocess.run(
                ["msgattrib", "--untranslated", "--no-obsolete", str(regenerated)], capture_output=True, text=True
            ).stdout
            + subprocess.run(
                ["msgattrib", "--only-fuzzy", "--no-obsolete", str(regenerated)], capture_output=True, text=True
            ).stdout
        )
        raise AssertionError(
            "Messages without a translation; run python manage.py makemessages -l zh_Hans --no-location "
            f"--no-obsolete and translate them:\n{missing}"
        )


def message_ids(catalogue: Path) -> set[str]:
    text = catalogue.read_text()
    return {"".join(re.findall(r'"(.*)"', found)) for found in re.findall(r'^msgid ((?:".*"\n)+)', text, re.M)} - {""}


def test_no_message_is_translated_inside_an_f_string():
    """makemessages does not look inside f-strings: a `gettext("…")` there is never extracted, and
    its text would fall out of the catalogue at the next clean pass and show in English."""
    root = CATALOGUE.parent.parent.parent
    names = subprocess.run(["git", "ls-files", "-z", "*.py"], cwd=root, capture_output=True, check=True).stdout
    call = re.compile(r"\b(gettext|gettext_lazy|pgettext|ngettext|_)\(")
    found = []
    for name in filter(None, names.decode().split("\0")):
        with open(root / name, encoding="utf-8") as source:
            for token in tokenize.generate_tokens(source.readline):
                if (
                    token.type == tokenize.STRING
                    and re.match(r"[rRbB]*[fF]", token.string)
                    and call.search(token.string)
                ):
                    found.append(f"{name}:{token.start[0]}")
    assert not found, f"Translate outside the f-string, then format: {found}"
