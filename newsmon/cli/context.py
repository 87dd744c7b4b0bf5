"""What every command needs: the settings and the YAML file, loaded once per invocation."""

from __future__ import annotations

from functools import cache

from newsmon.config import FileConfig, Settings, load_file, load_settings


@cache
def settings() -> Settings:
    return load_settings()


def file_config() -> FileConfig:
    return load_file(settings().config)
