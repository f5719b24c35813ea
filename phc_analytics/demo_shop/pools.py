"""Pools of people and places, drawn once per process with Faker and then sampled per row.

Calling Faker per customer is far too slow for a million orders; a few hundred names and
streets per locale, combined at random, look just as real. The pools use a fixed Faker seed,
so a shop is byte-identical for a given seed as long as the Faker version is the same.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import NamedTuple

from faker import Faker

POOL_SEED = 20240101
NAMES_PER_LOCALE = 120
PLACES_PER_LOCALE = 150


class LocalePool(NamedTuple):
    male: tuple[str, ...]
    female: tuple[str, ...]
    last: tuple[str, ...]
    streets: tuple[str, ...]
    places: tuple[tuple[str, str], ...]  # (postcode, city)
    phones: tuple[str, ...]


def slug(text: str) -> str:
    """ASCII, lower case, letters and digits only: the local part of an e-mail address."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.lower() if ch.isalnum())


@cache
def locale_pool(locale: str) -> LocalePool:
    fake = Faker(locale)
    fake.seed_instance(POOL_SEED)
    for provider in fake.get_providers():
        cities = getattr(provider, "cities", None)
        if isinstance(cities, list):
            # it_IT builds its city list from a set, whose order changes with the string hash
            # seed of the process: sorted, the same seed gives the same shop in every process.
            provider.cities = sorted(cities)
    n, p = NAMES_PER_LOCALE, PLACES_PER_LOCALE
    return LocalePool(
        male=tuple(fake.first_name_male() for _ in range(n)),
        female=tuple(fake.first_name_female() for _ in range(n)),
        last=tuple(fake.last_name() for _ in range(2 * n)),
        streets=tuple(fake.street_address().replace("\n", " ") for _ in range(p)),
        places=tuple((fake.postcode(), fake.city()) for _ in range(p)),
        phones=tuple(fake.phone_number() for _ in range(p)),
    )
