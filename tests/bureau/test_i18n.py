"""English through Django i18n: the language switch works and the English catalog is complete."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

LOGIN = "/accounts/login/"
CATALOG = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"


def _h1(html: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert match, "page has no <h1>"
    return match.group(1).strip()


def _nav(html: str) -> str:
    match = re.search(r'<nav class="mainnav">(.*?)</nav>', html, re.S)
    assert match, "page has no main navigation"
    return match.group(1)


# --- the language switch --------------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_is_chinese_by_default():
    response = Client().get(LOGIN)
    assert response.status_code == 200
    assert _h1(response.content.decode()) == "登录"


@pytest.mark.django_db
def test_set_language_switches_the_login_page_to_english():
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": LOGIN})
    assert response.status_code == 302
    assert response.url == LOGIN
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    html = client.get(LOGIN).content.decode()
    assert _h1(html) == "Log in"
    assert "登录" not in _h1(html)
    assert "Username" in html and "Password" in html
    assert '<html lang="en">' in html


@pytest.mark.django_db
def test_logged_in_navigation_follows_the_language_cookie(client_for, staff):
    client = client_for(staff)
    chinese = _nav(client.get("/").content.decode())
    assert "学校" in chinese

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/")
    assert response.status_code == 200
    english = _nav(response.content.decode())
    assert ">Schools<" in english
    assert ">Inspections<" in english
    assert ">Home<" in english
    assert "学校" not in english
    assert "首页" not in english


# --- the catalog ------------------------------------------------------------------------------


def _parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (index → text), flags."""
    entries: list[dict] = []
    entry: dict | None = None
    field: tuple | None = None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if entry and entry["msgid"] is not None:
                entries.append(entry)
            entry, field = None, None
            continue
        if entry is None:
            entry = {
                "msgctxt": None,
                "msgid": None,
                "msgid_plural": None,
                "msgstr": {},
                "flags": set(),
            }
        if line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        m = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr)(?:\[(\d+)\])?\s+(".*")$', line)
        if m:
            key, index, text = m.group(1), m.group(2), ast.literal_eval(m.group(3))
            if key == "msgstr":
                field = ("msgstr", int(index) if index is not None else None)
                entry["msgstr"][field[1]] = text
            else:
                field = (key,)
                entry[key] = text
            continue
        assert line.startswith('"'), f"unexpected line in {path.name}: {line!r}"
        text = ast.literal_eval(line)
        if field[0] == "msgstr":
            entry["msgstr"][field[1]] += text
        else:
            entry[field[0]] += text
    return entries


PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|%[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]")


def test_english_catalog_is_complete():
    entries = _parse_po(CATALOG / "django.po")
    header, messages = entries[0], entries[1:]
    assert header["msgid"] == ""
    assert "fuzzy" not in header["flags"]
    assert len(messages) > 100
    for entry in messages:
        assert "fuzzy" not in entry["flags"], entry["msgid"]
        assert entry["msgstr"], entry["msgid"]
        for text in entry["msgstr"].values():
            assert text.strip(), f"untranslated: {entry['msgid']!r}"
            assert sorted(PLACEHOLDER.findall(text)) == sorted(
                PLACEHOLDER.findall(entry["msgid"])
            ), f"placeholders differ: {entry['msgid']!r} → {text!r}"
        if entry["msgid_plural"] is not None:
            assert sorted(entry["msgstr"]) == [0, 1], entry["msgid"]


def test_compiled_catalog_matches_the_po_file():
    """The committed .mo is the compiled current .po (run `make messages` after editing)."""
    with (CATALOG / "django.mo").open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)
    for entry in _parse_po(CATALOG / "django.po")[1:]:
        if entry["msgctxt"] is not None:
            got = compiled.pgettext(entry["msgctxt"], entry["msgid"])
            assert got == entry["msgstr"][None], entry["msgid"]
        elif entry["msgid_plural"] is None:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"][None], entry["msgid"]
        else:
            for n, index in ((1, 0), (2, 1)):
                got = compiled.ngettext(entry["msgid"], entry["msgid_plural"], n)
                assert got == entry["msgstr"][index], entry["msgid"]


@pytest.mark.django_db
def test_an_english_browser_still_gets_chinese_until_the_user_switches(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "<h1>登录</h1>" in page
