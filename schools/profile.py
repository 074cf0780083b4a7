"""Blocks that later apps add to a school's profile page (its results, its visits, its
targets …) without schools importing them (apps are layered: schools comes first).

An app registers a block in its ``AppConfig.ready()``::

    register_profile_block(order=20, template="exams/_school_trend.html", context=trend)

where ``context(user, school)`` returns the template variables of the block. The profile view
renders every block in ``order``; a block whose ``context`` returns ``None`` is left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

BlockContext = Callable[[Any, Any], "dict | None"]


@dataclass(frozen=True)
class ProfileBlock:
    order: int
    template: str
    context: BlockContext


_BLOCKS: dict[str, ProfileBlock] = {}


def register_profile_block(*, order: int, template: str, context: BlockContext) -> None:
    """Adds (or replaces, by template) a block of the school profile page."""
    _BLOCKS[template] = ProfileBlock(order, template, context)


def profile_blocks(*, user, school) -> tuple[list[str], dict]:
    """The templates of the blocks, in order, and their variables merged."""
    templates: list[str] = []
    variables: dict = {}
    for block in sorted(_BLOCKS.values(), key=lambda b: (b.order, b.template)):
        found = block.context(user, school)
        if found is None:
            continue
        templates.append(block.template)
        variables.update(found)
    return templates, variables
