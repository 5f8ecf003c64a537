"""Fictional names, built from word parts so that no real school or person is named.

Schools and trusts carry a "(synthetic)" suffix so a generated bundle can never be mistaken for real
data, even when a table is copied out of context. People's names are personal data in the schema
and are fictional combinations of common first names and invented surnames.
"""

from __future__ import annotations

import numpy as np

PLACE_START = np.array(
    [
        "Ash",
        "Beck",
        "Birch",
        "Bram",
        "Brook",
        "Cald",
        "Cherry",
        "Clay",
        "Cold",
        "Copper",
        "Elm",
        "Fair",
        "Fern",
        "Fox",
        "Glen",
        "Gold",
        "Green",
        "Hart",
        "Hazel",
        "Heath",
        "High",
        "Holly",
        "Kings",
        "Lark",
        "Lime",
        "Long",
        "Marsh",
        "Meadow",
        "Mill",
        "Moor",
        "North",
        "Oak",
        "Pen",
        "Red",
        "Rose",
        "Rush",
        "Sand",
        "Shel",
        "South",
        "Stan",
        "Stone",
        "Thorn",
        "Wal",
        "West",
        "Whit",
        "Willow",
        "Wood",
        "Yew",
    ],
    dtype=object,
)
PLACE_END = np.array(
    [
        "bank",
        "bourne",
        "bridge",
        "brook",
        "bury",
        "combe",
        "croft",
        "dale",
        "den",
        "field",
        "ford",
        "gate",
        "ham",
        "hill",
        "holme",
        "hurst",
        "lea",
        "ley",
        "mere",
        "moor",
        "ridge",
        "side",
        "stead",
        "stow",
        "thorpe",
        "ton",
        "vale",
        "well",
        "wick",
        "wood",
        "worth",
    ],
    dtype=object,
)
FIRST = np.array(
    [
        "Aisha",
        "Alex",
        "Amara",
        "Amir",
        "Anna",
        "Ben",
        "Bethan",
        "Callum",
        "Chloe",
        "Daniel",
        "Deepa",
        "Ella",
        "Emma",
        "Farah",
        "Finn",
        "Grace",
        "Hannah",
        "Harry",
        "Imran",
        "Isla",
        "Jack",
        "Jade",
        "James",
        "Jo",
        "Kate",
        "Kieran",
        "Laura",
        "Leah",
        "Liam",
        "Lucy",
        "Maya",
        "Megan",
        "Mohammed",
        "Naomi",
        "Nia",
        "Oliver",
        "Omar",
        "Priya",
        "Rachel",
        "Ravi",
        "Rosa",
        "Ruth",
        "Sam",
        "Sara",
        "Sean",
        "Sophie",
        "Tom",
        "Zara",
    ],
    dtype=object,
)
SURNAME_END = np.array(
    ["er", "by", "ton", "well", "ley", "field", "worth", "ham", "wood", "son"], dtype=object
)


def place_names(rng: np.random.Generator, n: int) -> np.ndarray:
    return PLACE_START[rng.integers(0, len(PLACE_START), n)] + PLACE_END[rng.integers(0, len(PLACE_END), n)]


def school_names(rng: np.random.Generator, kinds: np.ndarray) -> np.ndarray:
    """e.g. 'Ashbrook Primary School (synthetic)'."""
    suffix = {
        "primary": " Primary School",
        "secondary": " Academy",
        "special": " Special School",
        "ap": " Learning Centre",
        "independent": " House School",
    }
    tail = np.array([suffix[k] for k in kinds], dtype=object) if len(kinds) else np.array([], dtype=object)
    return place_names(rng, len(kinds)) + tail + " (synthetic)"


def person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    first = FIRST[rng.integers(0, len(FIRST), n)]
    last = (
        PLACE_START[rng.integers(0, len(PLACE_START), n)] + SURNAME_END[rng.integers(0, len(SURNAME_END), n)]
    )
    return first + " " + last
