"""Progress of long commands: a bar on a terminal, plain lines otherwise.

A bar redraws one line, which is right for a person watching; in a log file or a CI job
it would be noise, so there the command prints a line at every tenth of the way. Both go
to standard error, so that standard output stays the command's result.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

import click

T = TypeVar("T")


def progress(items: Iterable[T], *, total: int, label: str) -> Iterator[T]:
    """Yield ``items``, showing how many of ``total`` have gone by."""
    stream = sys.stderr
    if stream.isatty():
        with click.progressbar(items, length=total, label=label, file=stream,
                               show_pos=True) as bar:
            yield from bar
        return
    step = max(1, total // 10)
    done = 0
    for item in items:
        yield item
        done += 1
        if done % step == 0 or done == total:
            click.echo(f"{label}: {done}/{total}", err=True)
    if done == 0:
        click.echo(f"{label}: 0/{total}", err=True)
