"""Duplicate detection on keyed hashes of normalized names and dates of birth.

Each participant gets several blind indexes (ParticipantMatchKey): the exact
normalized name + date of birth, a nickname-canonical form, a sound-alike
(Soundex) form, and the swapped first/last form. Two records that share the
exact key are the same person; any other shared key is a near match that a case
manager reviews. Only digests are compared; clear text never leaves the row.
"""

from __future__ import annotations

import datetime

from deflection.crypto import blind_index, normalize_name
from referrals.models import MatchKeyKind, Participant, ParticipantMatchKey

# Common English given-name variants, mapped to one canonical form.
NICKNAMES = {
    "bill": "william",
    "billy": "william",
    "will": "william",
    "willie": "william",
    "liam": "william",
    "bob": "robert",
    "bobby": "robert",
    "rob": "robert",
    "robbie": "robert",
    "bert": "robert",
    "jim": "james",
    "jimmy": "james",
    "jamie": "james",
    "mike": "michael",
    "mikey": "michael",
    "mick": "michael",
    "dave": "david",
    "davey": "david",
    "joe": "joseph",
    "joey": "joseph",
    "tom": "thomas",
    "tommy": "thomas",
    "dan": "daniel",
    "danny": "daniel",
    "chris": "christopher",
    "kit": "christopher",
    "tony": "anthony",
    "steve": "steven",
    "stephen": "steven",
    "rick": "richard",
    "rich": "richard",
    "dick": "richard",
    "richie": "richard",
    "ed": "edward",
    "eddie": "edward",
    "ted": "edward",
    "jon": "john",
    "johnny": "john",
    "jack": "john",
    "kate": "katherine",
    "katie": "katherine",
    "kathy": "katherine",
    "catherine": "katherine",
    "cathy": "katherine",
    "liz": "elizabeth",
    "beth": "elizabeth",
    "betty": "elizabeth",
    "lizzie": "elizabeth",
    "eliza": "elizabeth",
    "jen": "jennifer",
    "jenny": "jennifer",
    "sue": "susan",
    "susie": "susan",
    "meg": "margaret",
    "maggie": "margaret",
    "peggy": "margaret",
    "becky": "rebecca",
    "becca": "rebecca",
    "mandy": "amanda",
    "alex": "alexander",
    "sasha": "alexander",
    "matt": "matthew",
    "nick": "nicholas",
    "sam": "samuel",
    "ben": "benjamin",
    "andy": "andrew",
    "drew": "andrew",
    "greg": "gregory",
    "larry": "lawrence",
    "jeff": "jeffrey",
    "pat": "patrick",
    "vicky": "victoria",
    "tori": "victoria",
}

_SOUNDEX_CODES = {
    **dict.fromkeys("bfpv", "1"),
    **dict.fromkeys("cgjkqsxz", "2"),
    **dict.fromkeys("dt", "3"),
    "l": "4",
    **dict.fromkeys("mn", "5"),
    "r": "6",
}


def soundex(name: str) -> str:
    """American Soundex of an already-normalized (lower-case letters only) name."""
    if not name:
        return ""
    first = name[0]
    digits = []
    previous = _SOUNDEX_CODES.get(first, "")
    for char in name[1:]:
        code = _SOUNDEX_CODES.get(char, "")
        if code and code != previous:
            digits.append(code)
        if char not in "hw":  # h and w do not separate equal codes
            previous = code
    return (first.upper() + "".join(digits) + "000")[:4]


def canonical_given_name(first: str) -> str:
    return NICKNAMES.get(first, first)


def match_keys(first_name: str, last_name: str, date_of_birth: datetime.date) -> list[tuple[str, str]]:
    """The (kind, digest) pairs stored for a named participant."""
    first, last, dob = normalize_name(first_name), normalize_name(last_name), date_of_birth.isoformat()
    keys = {
        (MatchKeyKind.EXACT, blind_index("exact", first, last, dob)),
        (MatchKeyKind.NICKNAME, blind_index("nickname", canonical_given_name(first), last, dob)),
        (MatchKeyKind.PHONETIC, blind_index("phonetic", first[:1], soundex(last), dob)),
        # The swapped form of A/B equals the plain form of B/A, so both sides store both orders.
        (MatchKeyKind.SWAPPED, blind_index("pair", *sorted([first, last]), dob)),
    }
    return sorted(keys)


def exact_key(first_name: str, last_name: str, date_of_birth: datetime.date) -> str:
    return blind_index("exact", normalize_name(first_name), normalize_name(last_name), date_of_birth.isoformat())


def match_keys_recompute() -> int:
    """Recompute every participant's blind-index match keys (after BLIND_INDEX_KEY changes)."""
    count = 0
    for participant in Participant.objects.filter(is_pseudonymous=False, merged_into__isnull=True).iterator():
        if not (participant.first_name and participant.last_name and participant.date_of_birth):
            continue
        ParticipantMatchKey.objects.filter(participant=participant).delete()
        ParticipantMatchKey.objects.bulk_create(
            ParticipantMatchKey(participant=participant, kind=k, digest=d)
            for k, d in match_keys(participant.first_name, participant.last_name, participant.date_of_birth)
        )
        count += 1
    return count
