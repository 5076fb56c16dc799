"""The mention resolver: members only, the longest display name, the e-mail form."""

from __future__ import annotations

import uuid

import pytest

from functions.core.services.mentions import Member, mentioned

ANA = Member(uuid.uuid4(), "Ana", "ana@example.com")
ANA_LIMA = Member(uuid.uuid4(), "Ana Lima", "lima@example.com")
BEN = Member(uuid.uuid4(), "Ben", "ben.o@example.org")
MEMBERS = [ANA, ANA_LIMA, BEN]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@Ben please look", [BEN]),
        ("thanks @ben.", [BEN]),
        ("@BEN, @ana: see above", [BEN, ANA]),
        ("(@Ben)", [BEN]),
        ("@Ana Lima will do it", [ANA_LIMA]),
        ("@Ana will do it", [ANA]),
        ("@Ana Limassol is a town", [ANA]),
        ("@lima@example.com and @ben.o@example.org", [ANA_LIMA, BEN]),
        ("@Ben @Ben again", [BEN]),
        ("@Ben\n@Ana Lima", [BEN, ANA_LIMA]),
    ],
)
def test_the_longest_member_name_after_an_at_sign_is_mentioned(
    text: str, expected: list[Member]
) -> None:
    assert mentioned(text, MEMBERS) == [m.user_id for m in expected]


@pytest.mark.parametrize(
    "text",
    [
        "no one here",
        "@Benedict is not Ben",
        "@Ben_ is not Ben either",
        "write to ana@example.com",
        "email@Ben",
        "@Dee is not a member",
        "@dee@example.com is not a member",
        "@ Ben with a space",
        "@",
    ],
)
def test_other_words_and_people_who_are_not_members_are_not_mentioned(text: str) -> None:
    assert mentioned(text, MEMBERS) == []


def test_two_members_with_the_same_name_are_both_mentioned() -> None:
    twin = Member(uuid.uuid4(), "ben", "other-ben@example.com")
    assert mentioned("@Ben", [BEN, twin]) == [BEN.user_id, twin.user_id]
