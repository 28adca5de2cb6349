"""One resolver from a routine's name to the protocol it plays: a built-in protocol, a game's routine
(``game:<game>:<level>:<seed>``, built from the game's path) or a training plan's session (``plan:...``, built from
the dose its name carries). ``protocols`` stays a leaf: games and plans build on its steps, and this module
on all three.
"""

from __future__ import annotations

from pelvicore.errors import ProtocolError
from pelvicore.training.game_paths import game_protocol
from pelvicore.training.plan_session import plan_protocol
from pelvicore.training.protocols import PROTOCOLS, Protocol


def get_protocol(name: str) -> Protocol:
    """Return the routine called ``name``; ``ProtocolError`` lists the built-in ones otherwise."""
    if name.startswith("game:"):
        return game_protocol(name)
    if name.startswith("plan:"):
        return plan_protocol(name)
    try:
        return PROTOCOLS[name]
    except KeyError:
        raise ProtocolError(f"unknown protocol {name!r} (expected one of: {', '.join(PROTOCOLS)})") from None
