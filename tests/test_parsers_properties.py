"""Every parser a stranger's text reaches, under Hypothesis: whatever comes in, the answer is the parsed
value or the parser's own refusal (which the app turns into a 4xx), never another exception (a 500), and
what is accepted is what the parser promises.

The parsers: a mobile number (intake, the portal's sign-in), an amount in yuan (page forms), a page form's
version and coordinates, the dashboard's period, an API token, a signed cookie (page sessions, CSRF), a
survey link's token, a link in a message, a webhook's URL, the request's language and an uploaded photo.
Each one is a function of text; the requests that carry them are tests/test_schemathesis.py's."""

from __future__ import annotations

import ipaddress
import string
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from starlette.requests import Request

from anxin import fields, links, outbound
from anxin.analytics import period as periods
from anxin.auth import keys, security
from anxin.customer.phone import normalise_mobile
from anxin.exceptions import InvalidInput
from anxin.feedback.exceptions import SurveyTokenInvalid
from anxin.feedback.followup import surveys
from anxin.money import AmountOutOfRange, parse_yuan, yuan
from anxin.web import i18n, session
from anxin.work_order import photos
from anxin.work_order.exceptions import BadPhoto, PhotoTooManyPixels
from tests.conftest import SECRET

# Each property runs on a bounded number of examples: enough to meet the edges, quick in CI.
bounded = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Text as it arrives: any Unicode, and text made of the characters a parser looks for.
any_text = st.text(max_size=80)
numberish = st.text(alphabet="0123456789+-.eE ,²٣٤\u3000\t()", max_size=24)


# -- a mobile number ----------------------------------------------------------------------------------------


@bounded
@given(st.one_of(any_text, numberish))
def test_a_mobile_number_is_eleven_digits_or_nothing(raw):
    number = normalise_mobile(raw)
    if number is not None:
        assert len(number) == 11 and number.isascii() and number.isdigit() and number[0] == "1"
        assert number[1] in "3456789"
        assert normalise_mobile(number) == number


@bounded
@given(
    st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    st.sampled_from(["", "+86", "0086", "86", "+86 "]),
    st.sampled_from(["", " ", "-"]),
)
def test_a_mobile_number_reads_the_same_however_it_is_written(number, prefix, separator):
    written = prefix + separator.join((number[:3], number[3:7], number[7:]))
    assert normalise_mobile(f"  {written} ") == number


# -- an amount in yuan -----------------------------------------------------------------------------------


@bounded
@given(st.one_of(any_text, numberish))
@example("NaN")
@example("-Infinity")
@example("1e999999999")
@example("80.555")
def test_an_amount_is_whole_fen_or_a_refusal(text):
    try:
        fen = parse_yuan(text)
    except ValueError:  # AmountOutOfRange is one
        return
    assert isinstance(fen, int) and 0 <= fen <= 100_000 * 100


@bounded
@given(st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False, allow_infinity=False))
def test_an_amount_in_range_comes_back_as_it_was_written(value):
    fen = parse_yuan(str(value))
    assert Decimal(fen) / 100 == value
    assert parse_yuan(yuan(fen, symbol=False).replace(",", "")) == fen


@bounded
@given(st.decimals(min_value=Decimal("100000.01"), max_value=Decimal("1e30"), places=2))
def test_an_amount_over_the_limit_is_out_of_range(value):
    with pytest.raises(AmountOutOfRange):
        parse_yuan(str(value))


# -- a page form's version and coordinates --------------------------------------------------------------


@bounded
@given(st.one_of(any_text, numberish, st.integers(), st.none()))
@example("²")
@example("9" * 30)
def test_a_form_version_is_a_positive_int_or_invalid_input(value):
    try:
        version = fields.form_version(value)
    except InvalidInput:
        return
    assert version is None or 1 <= version <= fields.MAX_VERSION


@bounded
@given(st.one_of(any_text, numberish, st.floats(), st.integers(), st.none()))
@example("inf")
@example("nan")
@example("1e400")
def test_a_form_coordinate_is_finite_and_in_range_or_invalid_input(value):
    try:
        latitude = fields.form_coordinate("lat", value, -90, 90)
    except InvalidInput:
        return
    assert latitude is None or -90 <= latitude <= 90


# -- the dashboard's period ---------------------------------------------------------------------------------


dates_or_text = st.one_of(st.dates().map(str), any_text, st.none())


@bounded
@given(dates_or_text, dates_or_text)
@example("2026-02-30", "2026-03-01")
@example("0001-01-01", "9999-12-31")
@example("0001-01-01", "0002-01-01")  # a year at the calendar's start: no instant in UTC for its midnight
@example("9999-01-01", "9999-12-31")
def test_a_period_is_a_span_of_days_or_invalid_period(first, last):
    try:
        span = periods.period(first, last, timezone="Asia/Shanghai")
    except periods.InvalidPeriod:
        return
    assert span.first <= span.last and (span.last - span.first).days < periods.MAX_DAYS
    assert span.start < span.end


@bounded
@given(st.one_of(any_text, st.none()))
def test_a_breakdown_is_a_known_group_or_invalid_group(group):
    try:
        assert periods.check_group(group) in (None, *periods.GROUPS)
    except periods.InvalidGroup:
        assert group not in periods.GROUPS


# -- tokens, cookies and links -------------------------------------------------------------------------------


token_text = st.one_of(
    any_text,
    st.text(alphabet=string.ascii_letters + string.digits + "-_.=", max_size=200),
    st.lists(
        st.text(alphabet=string.ascii_letters + string.digits + "-_", max_size=60), min_size=2, max_size=4
    ).map(".".join),
)


@bounded
@given(token_text)
def test_an_api_token_is_claims_or_nothing(token):
    assert security.read_token(token, secret=SECRET) is None


@bounded
@given(st.integers(min_value=1, max_value=fields.MAX_ID), st.text(max_size=4))
def test_an_api_token_signed_elsewhere_or_altered_is_nothing(user_id, extra):
    token = security.issue_token(secret=SECRET, user_id=user_id, tenant_id=1, role="admin", minutes=5)
    assert security.read_token(token, secret=SECRET)["sub"] == str(user_id)
    assert security.read_token(token, secret=SECRET[::-1]) is None
    head, body, signature = token.split(".")
    assert security.read_token(f"{head}.{body}{extra or 'x'}.{signature}", secret=SECRET) is None


COOKIE_KEY = keys.derive(SECRET, keys.Purpose.PAGE_SESSION)


@bounded
@given(st.one_of(token_text, st.text(alphabet=st.characters(max_codepoint=255), max_size=120), st.none()))
@example("abc.é")
@example("e30.\u00ff\u00ff")
def test_a_signed_cookie_is_its_payload_or_nothing(value):
    loaded = session.load(COOKIE_KEY, value)
    assert loaded is None


@bounded
@given(
    st.dictionaries(st.text(max_size=8), st.one_of(st.integers(), st.text(max_size=8)), max_size=4), any_text
)
def test_a_signed_cookie_holds_what_was_written_and_nothing_altered(data, tail):
    data = {**data, "exp": 4_102_444_800}
    value = session.dump(COOKIE_KEY, data)
    assert session.load(COOKIE_KEY, value) == data
    assert session.load(keys.derive(SECRET, keys.Purpose.CSRF), value) is None
    assert session.load(COOKIE_KEY, value + (tail or "x")) is None


@bounded
@given(token=token_text)
@example(token="e30.\u00e9")
def test_a_survey_link_is_a_survey_or_invalid(token, settings_with_secret):
    with pytest.raises(SurveyTokenInvalid):
        surveys.survey_from_token(None, token)  # refused before any query: no database needed


@bounded
@given(link=any_text)
@example(link="//evil.example/x")
@example(link="/\\evil.example")
def test_a_message_link_opens_on_this_site_or_not_at_all(link, settings_with_secret):
    path = links.site_path(link)
    if path is not None:
        assert path.startswith("/") and not path.startswith("//")


# -- a webhook's address -----------------------------------------------------------------------------------


PRIVATE = [
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "0.0.0.0/8")
]


@bounded
@given(url=st.one_of(any_text, st.from_regex(r"https?://[^\s]{0,40}", fullmatch=True)))
@example(url="http://[::1]:6379/")
@example(url="http://user:pw@example.com/")
@example(url="http://example.com:99999/")
@example(url="gopher://example.com/")
def test_a_webhook_url_is_accepted_refused_or_invalid_never_an_error(url, monkeypatch):
    # The resolver is played (no lookup leaves the machine): every name resolves to a documentation address.
    monkeypatch.setattr(outbound, "resolve", lambda host, port: [ipaddress.ip_address("192.0.2.1")])
    try:
        outbound.check_url(url, allowed_networks=[])
    except (outbound.InvalidUrl, outbound.UnsafeUrl):
        return


@bounded
@given(st.ip_addresses(v=4))
def test_no_private_or_loopback_address_counts_as_public(address):
    if any(address in network for network in PRIVATE):
        assert not outbound.is_public(address)
        assert not outbound.is_public(ipaddress.IPv6Address(f"::ffff:{address}"))


# -- the request's language -----------------------------------------------------------------------------


@bounded
@given(st.one_of(any_text, st.none()), st.one_of(any_text, st.none()))
def test_the_language_is_chinese_or_english(query, cookie):
    params = f"lang={query}".encode("utf-8", "replace") if query is not None else b""
    headers = [(b"cookie", f"{i18n.LANG_COOKIE}={cookie}".encode("latin-1", "replace"))] if cookie else []
    request = Request({"type": "http", "query_string": params, "headers": headers})
    assert i18n.language(request) in ("zh", "en")


# -- an uploaded photo ---------------------------------------------------------------------------------------


SMALL_JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
PNG_HEAD = b"\x89PNG\r\n\x1a\n"


@bounded
@given(st.one_of(st.binary(max_size=2048), st.binary(max_size=512).map(lambda b: SMALL_JPEG_HEAD + b)))
@example(PNG_HEAD)
@example(b"RIFF\x00\x00\x00\x00WEBPVP8 ")
def test_an_upload_is_a_picture_or_a_clear_refusal(data):
    try:
        picture = photos.decode(data, max_bytes=64 * 1024)
    except (BadPhoto, PhotoTooManyPixels):
        return
    assert picture.content_type in {kind for kind, _ in photos.FORMATS.values()}
    assert picture.image.size[0] * picture.image.size[1] <= photos.MAX_PIXELS


@pytest.fixture
def settings_with_secret(monkeypatch):
    """The process settings the survey links and message links read: the tests' key and address."""
    from anxin.config import Settings

    here = Settings(secret_key=SECRET, database_url="sqlite://", public_base_url="http://anxin.test")
    for module in (surveys, links):
        monkeypatch.setattr(module, "get_settings", lambda: here)
