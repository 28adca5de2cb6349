"""Server settings, from arguments or ``PELVICORE_*`` environment variables."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """``database_url`` empty means the embedded default: SQLite in the user's data directory."""

    model_config = SettingsConfigDict(env_prefix="PELVICORE_")

    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    #: Seconds of samples the recorder may hold before writing them (at most about 1 s at risk in a crash).
    flush_s: float = 0.5
    #: Bluetooth backend for trainers: ``bleak`` (this computer's adapter), a Bumble transport such as
    #: ``usb:0``, ``virtual`` (simulated trainers of every kind, no hardware), or ``none``.
    ble: str = "bleak"
    #: Playback speed of ``virtual`` trainers.
    ble_speed: float = 1.0
