"""Games: choose and start one, play it on a live session, and read its score (pages and JSON)."""

from __future__ import annotations

import secrets
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from pelvicore.devices.simulator.persons import PERSONS
from pelvicore.errors import PelvicoreError, ProtocolError
from pelvicore.signal.events import Calibration
from pelvicore.store.repository import SessionRecord
from pelvicore.training.feedback import technique_measured
from pelvicore.training.game_score import GameScore
from pelvicore.training.games import LEVEL_SETTINGS, TITLES, GamePath, game_path, path_for_routine, score
from pelvicore.web.deps import CurrentUser, ManagerDep, StoreDep
from pelvicore.web.routers.pages import templates
from pelvicore.web.routers.sessions import DeviceProfileName, Profile

router = APIRouter()

Game = Literal["control", "endurance-speed"]
LevelName = Literal["easy", "medium", "hard"]
assert set(Game.__args__) == set(TITLES)  # type: ignore[attr-defined]
assert set(LevelName.__args__) == set(LEVEL_SETTINGS)  # type: ignore[attr-defined]
SEED_MAX = 2**31 - 1
PathSeed = Annotated[int, Query(ge=0, le=SEED_MAX, description="Seed of the path: the same seed, the same path")]
DESCRIPTIONS = {
    "control": "Keep the ball on the targets as they scroll past: squeezes at different heights, and targets at "
    "rest height that train letting go completely.",
    "endurance-speed": "Hold the lift above 75 % of your maximum for as long as asked, then as many quick "
    "squeezes as you can in 10 s — with full rests in between.",
}


class GameStart(BaseModel):
    """Start a game on the simulator or on a trainer the game page connects with Web Bluetooth (``browser``)."""

    level: LevelName = "easy"
    seed: int | None = Field(None, ge=0, le=SEED_MAX, description="Seed of the path (default: random)")
    source: Literal["simulator", "browser"] = "simulator"
    profile: Profile = "healthy"
    device_profile: DeviceProfileName | None = Field(None, description="Trainer kind (browser: required)")
    speed: float = Field(1.0, ge=0.1, le=100, description="Playback speed of the simulator (1 = real time, 0.1 to 100)")


class GameStarted(BaseModel):
    id: str
    url: str


@router.get("/api/games")
def list_games() -> list[dict[str, Any]]:
    """Every game with its levels."""
    return [
        {"name": name, "title": title, "description": DESCRIPTIONS[name], "levels": list(LEVEL_SETTINGS)}
        for name, title in TITLES.items()
    ]


@router.get("/api/games/{game}/path")
def get_path(game: Game, level: LevelName = "easy", seed: PathSeed = 0) -> dict[str, Any]:
    """The game's targets and segments over time, as % of her maximum above rest."""
    return game_path(game, level, seed).to_dict()


@router.post("/api/games/{game}/sessions", status_code=status.HTTP_201_CREATED, response_model=GameStarted)
async def start_game(game: Game, body: GameStart, manager: ManagerDep, user: CurrentUser) -> GameStarted:
    seed = body.seed if body.seed is not None else secrets.randbelow(1_000_000)
    routine = game_path(game, body.level, seed).routine
    if body.source == "browser":
        if body.device_profile is None:
            raise HTTPException(422, "device_profile is required with source browser")
        session_id = await manager.start_browser(user, profile=body.device_profile, routine=routine)
    else:
        session_id = await manager.start_simulator(user, profile=body.profile, routine=routine, speed=body.speed)
    return GameStarted(id=session_id, url=f"/games/{game}/{session_id}")


@router.get("/api/games/{game}/{session_id}/score")
def get_score(game: Game, session_id: str, store: StoreDep, user: CurrentUser) -> dict[str, Any]:
    """The game's six scores, computed from the recorded trace and contractions (so far, if still running)."""
    record, path = _game_session(store, user, game, session_id)
    return {"session": session_id, "status": record.status} | _score(store, user, record, path).to_dict()


@router.get("/games", response_class=HTMLResponse)
def games_page(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "games.html", {"games": TITLES, "descriptions": DESCRIPTIONS, "persons": PERSONS}
    )


@router.get("/games/{game}/{session_id}", response_class=HTMLResponse)
def play_page(request: Request, game: Game, session_id: str, store: StoreDep, user: CurrentUser) -> HTMLResponse:
    record, path = _game_session(store, user, game, session_id)
    return templates.TemplateResponse(
        request, "game.html", {"session": record, "path": path, "path_data": path.to_dict()}
    )


@router.get("/games/{game}/{session_id}/score", response_class=HTMLResponse)
def score_page(request: Request, game: Game, session_id: str, store: StoreDep, user: CurrentUser) -> HTMLResponse:
    record, path = _game_session(store, user, game, session_id)
    return templates.TemplateResponse(
        request, "game_score.html", {"session": record, "path": path, "score": _score(store, user, record, path)}
    )


def _game_session(store: StoreDep, user: int, game: str, session_id: str) -> tuple[SessionRecord, GamePath]:
    record = store.get(session_id, owner=user)
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no session {session_id!r}")
    try:
        path = path_for_routine(record.routine)
    except ProtocolError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"session {session_id!r} is not a game") from None
    if path.game != game:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"session {session_id!r} is a {path.game} game, not {game}")
    return record, path


def _score(store: StoreDep, user: int, record: SessionRecord, path: GamePath) -> GameScore:
    fs_hz, channels, index = store.load_trace(record.id, owner=record.user_id)
    if "floor" not in channels:
        raise HTTPException(status.HTTP_409_CONFLICT, "games need a pelvic-floor pressure channel")
    if index.size < 2:
        raise HTTPException(status.HTTP_409_CONFLICT, "nothing recorded yet: the score comes once the game has begun")
    unit = record.units["floor"]
    try:
        return score(
            path,
            index / fs_hz,
            channels["floor"],
            record.contractions,
            calibration=_trainer_calibration(store, user, record, unit),
            unit=unit,
            technique_measured=technique_measured(record),
        )
    except PelvicoreError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None


def _trainer_calibration(store: StoreDep, user: int, record: SessionRecord, unit: str) -> Calibration | None:
    """The stored maximum of the trainer kind played with, when there is exactly one such trainer."""
    if record.source == "simulator" or record.profile is None:
        return None
    found = [d for d in store.list_devices(user) if d.profile == record.profile and d.unit == unit]
    if len(found) != 1 or found[0].rest is None or not found[0].mvc:
        return None
    return Calibration(found[0].rest, found[0].mvc, unit)
