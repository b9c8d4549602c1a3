"""The message catalogue is complete in da, en and de, compiled from its .po files as they are,
and server reasons reach the reader in their language."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from core import messages
from core.errors import Invalid
from core.reasons import error_text, reason_key, reason_text
from dashboard import vocabulary

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "ingest", "metrics", "services", "api", "dashboard")


def _po(lang: str):
    with open(messages.LOCALE_DIR / lang / "LC_MESSAGES" / "overblik.po", "rb") as f:
        return read_po(f, locale=lang)


def _forms(string: str | tuple[str, ...]) -> tuple[str, ...]:
    """A message's texts: one, or one per plural form of a counted phrase."""
    return string if isinstance(string, tuple) else (string,)


def _tupled(value):
    return tuple(value) if isinstance(value, list) else value


def _extracted() -> set[str]:
    """The keys `make messages` extracts: literal keys of t(), N_() and nt() (a counted phrase,
    its key its own plural), and the vocabularies."""
    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    keys = set()
    for package in PACKAGES:
        for _file, _line, key, _comments, _context in extract_from_dir(
            ROOT / package, method_map, options_map, keywords={"t": None, "N_": None, "nt": (1, 1)},
        ):
            keys.add(key[0] if isinstance(key, tuple) else key)
    return keys


def test_every_key_the_code_uses_has_a_text_in_every_language():
    used = _extracted()
    assert len(used) > 400
    for lang in messages.LANGUAGES:
        catalogue = _po(lang)
        missing = sorted(k for k in used if k not in catalogue or not all(_forms(catalogue[k].string)))
        assert not missing, f"{lang}: no text for {missing[:20]}"


@pytest.mark.parametrize("name", sorted(vocabulary.vocabularies()))
def test_every_member_of_every_vocabulary_has_a_label_in_every_language(name):
    for key in vocabulary.vocabularies()[name]:
        for lang in messages.LANGUAGES:
            assert messages.has(key, lang), f"{name}: {key} has no {lang} text"
            assert messages.t(key, lang).strip()


def test_the_compiled_catalogues_are_those_of_the_po_files():
    for lang in messages.LANGUAGES:
        written = {m.id: m.string for m in _po(lang) if m.id}
        with open(messages.LOCALE_DIR / lang / "LC_MESSAGES" / "overblik.mo", "rb") as f:
            # a counted phrase reads back from the .mo file as lists of its forms
            compiled = {_tupled(m.id): _tupled(m.string) for m in read_mo(f) if m.id}
        assert compiled == written, f"{lang}: run `make messages`"


def test_placeholders_are_the_same_in_every_language():
    import string

    def fields(words: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(words) if name}

    da, en, de = (_po(lang) for lang in messages.LANGUAGES)
    for message in da:
        if message.id:
            every = {frozenset(fields(words)) for po in (da, en, de) for words in _forms(po[message.id].string)}
            assert len(every) == 1, message.id


@pytest.mark.parametrize(("lang", "one", "many"), [
    ("da", "1 nyt virksomhedsforløb denne måned", "2 nye virksomhedsforløb denne måned"),
    ("en", "1 placement started this month", "0 placements started this month"),
    ("de", "1 Praktikum diesen Monat begonnen", "5 Praktika diesen Monat begonnen"),
])
def test_counted_phrases_take_the_plural_form_of_their_count(lang, one, many):
    assert f"1 {messages.nt('placements_started_n', 1, lang)}" == one
    assert f"{many[0]} {messages.nt('placements_started_n', int(many[0]), lang)}" == many
    for key in ("cases_shown_n", "people_with_hours_n"):
        assert messages.nt(key, 1, lang) != messages.nt(key, 2, lang), (key, lang)


def test_one_fallback_rule():
    assert messages.t("sign_in", "fr") == messages.t("sign_in", "da") == "Log ind"
    assert messages.t("sign_in", None) == "Log ind"
    assert messages.t("no_such_key", "de") == "no_such_key"


def test_server_reasons_read_back_to_their_keys():
    from ingest.store import CPR_REASON, SINGLETON_REASONS, identity_reason

    for reason in (CPR_REASON, identity_reason("nin"), *SINGLETON_REASONS.values(),
                   "placement_ended is dated before its placement_started"):
        assert reason_key(reason) is not None, reason
    assert reason_text(CPR_REASON, "da").startswith("En værdi ligner et CPR-nummer")
    assert reason_text("occurred_at: Field required; placement_ended is dated before its placement_started",
                       "de") == "occurred_at: Pflichtfeld; Das Ende des Praktikums liegt vor seinem Beginn"
    assert reason_text("something new", "da") == "something new"


def test_a_domain_error_with_a_key_is_shown_by_it():
    error = Invalid("the value is not a number (da_DK)", key="number_not_a_number", field="Mål", value="x")
    assert str(error) == "the value is not a number (da_DK)"
    assert error_text(error, "da") == "Mål: »x« er ikke et tal."
    assert error_text(Invalid("case already closed: a case is closed once"), "de") == "Der Fall ist schon abgeschlossen: ein Fall wird einmal abgeschlossen."


def test_a_number_refusal_carries_its_key():
    from core.numbers import NumberError, parse_number

    for text, lang, said in (("1,2,3", "da", "kan ikke læses entydigt"), ("abc", "de", "keine Zahl"),
                             ("9" * 80, "en", "longer than 64 characters")):
        with pytest.raises(NumberError) as refused:
            parse_number(text, lang)
        assert said in error_text(refused.value, lang)
        assert str(refused.value).startswith("the value ")  # English for logs and the API, as before


def test_an_account_refusal_is_shown_by_its_key(services):
    from core.accounts import AccountError, create_user

    with pytest.raises(AccountError) as refused:
        create_user(services.engine, "ny.bruger", "Lang nok adgangskode 42!", "worker", worker_id="w-none",
                    existing=True)
    assert str(refused.value) == "there is no worker with that id"  # as the API and the CLI say it
    assert error_text(refused.value, "da") == "Der er ingen medarbejder med det id."
    assert error_text(refused.value, "de") == "Es gibt keine Fachkraft mit dieser Kennung."


def test_a_sources_stored_run_error_is_read_in_the_users_language(tmp_path):
    """A feed's or drop folder's last error is kept as the English text it was raised with and
    shown on the admin page through the catalogue."""
    from ingest.dropfolder import DropFolderConfig, collect_folder
    from ingest.feed import FeedError

    missing = tmp_path / "nowhere"
    outcome = collect_folder(None, "inbox", DropFolderConfig(path=str(missing), settle_seconds=0))
    assert outcome.error and reason_text(outcome.error, "de").startswith("Der Ordner ")
    assert reason_text(outcome.error, "da") == f"Mappen {missing} findes ikke."
    stored = str(FeedError("the feed answered HTTP 401 Unauthorized (check the source's token): no"))
    assert reason_text(stored, "da") == messages.text("error_feed_http_401", "da", status="401")
    gave_up = "gave up after 5 attempts at https://feed.example/events: HTTP 503"
    assert reason_text(gave_up, "de") == messages.text("error_feed_gave_up_http", "de", attempts="5",
                                                        url="https://feed.example/events", status="503")


def test_a_source_runs_counts_agree_with_their_number():
    assert [messages.nt("duplicates_n", n, "da") for n in (1, 2)] == ["dublet", "dubletter"]
    assert [messages.nt("accepted_n", n, "da") for n in (1, 5)] == ["ny", "nye"]
    assert [messages.nt("duplicates_n", n, "de") for n in (1, 0)] == ["Duplikat", "Duplikate"]
