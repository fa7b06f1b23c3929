"""The seed plan's clause ids as the search returns them, for tests that ask it."""

SEED = "gd-ip-14fyp"


def sid(s: str) -> str:
    """A seed clause's full id from its id in the plan (3.2.p3, box14.p1, t2.r6)."""
    return f"{SEED}:{s}"


def ids(result: dict) -> list[str]:
    """The ids of a search reply's hits, in order."""
    return [h["id"] for h in result["hits"]]
