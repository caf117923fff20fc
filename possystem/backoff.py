"""How long to wait before the next try of something that failed (an e-mail, a webhook)."""

import datetime
import random


def backoff(attempt: int, *, base: float, cap: float, jitter: float = 0.0) -> datetime.timedelta:
    """The wait after the `attempt`-th failed try: base, 2×base, 4×base, … up to `cap` seconds,
    stretched by up to `jitter` (a share: 0.1 is up to 10 % longer) so that a recovered receiver is
    not hit by every retry at the same moment."""
    seconds = min(base * 2 ** (attempt - 1), cap)
    return datetime.timedelta(seconds=seconds * (1 + random.random() * jitter))  # noqa: S311 - jitter, not a secret
