"""Subcommands that load their module on first use.

`floodwatch ingest` should not pay for scikit-learn, SQLAlchemy or FastAPI (seconds of start-up on a small
machine), so the root command knows each subcommand by name and imports it only when it is called; `--help`
imports them all, to show their summaries.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from typing import Any

import typer
from typer.core import TyperGroup

# name -> "module:attribute", in the order `floodwatch --help` lists them (after the commands of cli.py). The
# attribute is a Typer app (a command group) or a command function.
LAZY_COMMANDS: dict[str, str] = {
    "demo": "floodwatch.commands.demo:demo_command",
    "network": "floodwatch.commands.network:network_command",
    "detect": "floodwatch.commands.suite:detect_app",
    "findings": "floodwatch.commands.findings:findings_app",
    "claims": "floodwatch.commands.claims:claims_app",
    "rumors": "floodwatch.commands.rumors:rumors_app",
    "abuse": "floodwatch.commands.abuse:abuse_app",
    "redact": "floodwatch.commands.redact:redact_command",
    "cases": "floodwatch.commands.govern:cases_app",
    "notices": "floodwatch.commands.govern:notices_app",
    "platforms": "floodwatch.commands.govern:platforms_app",
    "campaigns": "floodwatch.commands.govern:campaigns_app",
    "audit": "floodwatch.commands.govern:audit_app",
    "govern": "floodwatch.commands.govern:govern_app",
    "db": "floodwatch.commands.govern:db_app",
    "blacklist": "floodwatch.commands.blacklist:blacklist_app",
    "tenants": "floodwatch.commands.blacklist:tenants_app",
    "serve": "floodwatch.commands.serve:serve_command",
    "report": "floodwatch.commands.report:report_command",
}


def load_command(name: str, target: str) -> Any:
    """The Click command (or group) behind `target`, named `name`."""
    module, _, attribute = target.partition(":")
    found = getattr(importlib.import_module(module), attribute)
    if isinstance(found, typer.Typer):
        command: Any = typer.main.get_group(found)
    else:
        single = typer.Typer(add_completion=False, rich_markup_mode="rich")
        single.command(name)(found)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyCommands(MutableMapping[str, Any]):
    """The root group's commands: the loaded ones, plus the lazy ones, loaded when looked up."""

    def __init__(self, loaded: MutableMapping[str, Any], lazy: dict[str, str]) -> None:
        self.loaded = dict(loaded)
        self.lazy = {name: target for name, target in lazy.items() if name not in self.loaded}

    def __getitem__(self, name: str) -> Any:
        if name not in self.loaded and name in self.lazy:
            self.loaded[name] = load_command(name, self.lazy[name])
        return self.loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self.loaded[name] = command

    def __delitem__(self, name: str) -> None:
        self.loaded.pop(name, None)
        self.lazy.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        yield from self.loaded
        yield from (name for name in self.lazy if name not in self.loaded)

    def __len__(self) -> int:
        return len(self.loaded) + sum(1 for name in self.lazy if name not in self.loaded)


class LazyGroup(TyperGroup):
    """A Typer group whose `commands` include LAZY_COMMANDS, imported on first use."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = LazyCommands(self.commands, LAZY_COMMANDS)
