"""The satisfaction survey's rules without a cloud: the answers' mapping onto the 1-5 rating, who is followed
up, the customer's language, the token's shape and the pages' escaping (kefu/services/csat.py)."""

from __future__ import annotations

import re
import secrets

import pytest

from kefu.errors import InvalidInput, NotFound
from kefu.services import csat, csat_page
from kefu.store.csat import Rating, token_hash


def test_the_four_answers_map_onto_the_ratings_scale_and_read_back() -> None:
    assert csat.SCALE == {"very_satisfied": 5, "satisfied": 4, "neutral": 3, "dissatisfied": 1}
    for answer, score in csat.SCALE.items():
        assert csat.label_of(score) == answer
    assert csat.label_of(2) == "dissatisfied"  # the widget's two stars


def test_only_bad_ratings_are_followed_up() -> None:
    followed = [score for score in range(1, 6) if score <= csat.FOLLOW_UP_AT_OR_BELOW]
    assert followed == [1, 2]
    assert csat.SCALE["neutral"] not in followed and csat.SCALE["dissatisfied"] in followed


@pytest.mark.parametrize(
    ("locale", "text", "language"),
    [
        ("zh-Hans-CN", "where is it", "zh-CN"),
        ("en-US", "我的快递", "en"),  # the profile's locale wins
        (None, "我的快递还没到", "zh-CN"),
        (None, "my parcel has not arrived", "en"),
        ("fr-FR", "où est mon colis", "en"),
    ],
)
def test_the_customers_language(locale: str | None, text: str, language: str) -> None:
    assert csat.language_for(locale, text) == language


def test_tokens_have_the_shape_the_routes_accept_and_only_their_hash_is_a_key() -> None:
    token = secrets.token_urlsafe(csat.TOKEN_BYTES)
    assert re.match(csat.TOKEN_PATTERN, token)
    assert token_hash(token) != token and len(token_hash(token)) == 64
    assert csat.survey_link("https://api.example.com/v1/", token) == f"https://api.example.com/v1/csat/{token}"
    assert csat.survey_link("https://api.example.com/v1", token) == f"https://api.example.com/v1/csat/{token}"


class NoStore:
    """A store no lookup may reach: a token of the wrong shape is refused before any read."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"store.{name} read for a malformed token")


@pytest.mark.parametrize("token", ["", "short", "x" * 33, "../../etc/passwd" + "x" * 16, "x" * 31 + "!"])
def test_a_malformed_token_is_not_found_without_a_read(token: str) -> None:
    with pytest.raises(NotFound):
        csat.open_survey(NoStore(), token)  # type: ignore[arg-type]


class OneSurvey:
    """Just enough of a store for ``answer``'s checks, which come before any write."""

    def __init__(self) -> None:
        from kefu.store.csat import Survey

        survey = Survey(
            ticket_id="T", channel="sms", inbox="i", customer_id="c", language="en", created_at="x", expires_at=1
        )

        class Csat:
            def survey(self, token: str) -> Survey:
                return survey

            def get(self, ticket_id: str) -> Rating | None:
                return None

            def add(self, rating: Rating) -> None:
                raise AssertionError("nothing may be stored for a bad answer")

        self.csat = Csat()


@pytest.mark.parametrize(
    ("choice", "comment", "field"),
    [("great", None, "rating"), (5, None, "rating"), ("", None, "rating"), ("neutral", "x" * 1001, "comment")],
)
def test_a_bad_answer_is_400_naming_its_field(choice: object, comment: object, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        csat.answer(OneSurvey(), "a" * 32, choice, comment)  # type: ignore[arg-type]
    assert refused.value.message.startswith(f"{field}:")


def test_the_page_is_bilingual_accessible_and_posts_to_itself() -> None:
    page = csat_page.survey_page("en")
    assert page.startswith("<!doctype html>") and '<html lang="en">' in page
    assert "<fieldset><legend>" in page and page.count('type="radio" name="rating"') == 4
    assert all(f'value="{answer}"' in page for answer in csat.SCALE)
    assert "Very satisfied" in page and '<span class="other" lang="zh-CN">/ 非常满意</span>' in page
    assert '<label for="comment">' in page and f'maxlength="{csat.MAX_COMMENT}"' in page
    assert '<form class="card" method="post">' in page  # no action: back to the page's own address
    assert "<script" not in page
    assert '<html lang="zh-CN">' in csat_page.survey_page("zh-CN")


def test_what_a_message_page_shows_is_escaped() -> None:
    page = csat_page.message_page("en", "error", '<img src=x onerror="alert(1)">')
    assert "<img" not in page and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    assert 'role="status"' in page


def test_a_reopened_surveys_page_says_so_in_both_languages_without_the_form() -> None:
    page = csat_page.message_page("zh-CN", "reopened")
    assert '<html lang="zh-CN">' in page and "重新打开" in page and "reopened" in page
    assert 'type="radio"' not in page and "<form" not in page


def test_a_reopened_survey_refusal_is_a_409_of_its_own() -> None:
    from kefu.errors import Conflict, SurveyNotOpen, http_status_for

    refusal = SurveyNotOpen("reopened")
    assert isinstance(refusal, Conflict) and http_status_for(refusal) == 409
    assert sorted(csat.RATEABLE) == ["closed", "resolved"]  # a reopened ticket's survey is not open
