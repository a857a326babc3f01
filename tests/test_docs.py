"""The README documents every command, and every command's help shows an example."""
from pathlib import Path

from typer.main import get_command

from gongkai.cli import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def commands(group, prefix="gongkai"):
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):
            yield from commands(cmd, f"{prefix} {name}")
        else:
            yield f"{prefix} {name}", cmd


def test_every_command_is_in_the_readme_with_an_example_in_its_help():
    found = list(commands(get_command(app)))
    assert len(found) >= 8
    for name, cmd in found:
        assert name in README, f"{name} is not documented in README.md"
        assert "Example:" in (cmd.help or ""), f"{name} --help has no example"
