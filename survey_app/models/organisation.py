"""Organisations: the union tree (federation → district/industry → grassroots → branch → group)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from questionnaires.vocabulary import ALLOWED_PARENTS, OrgKind  # noqa: F401 - re-exported
from survey_app.extensions import db


class Organisation(db.Model):
    """A union at any level.

    ``path`` is a materialised path of ids, ``/1/5/23/`` for unit 23 under 5 under 1, so a
    subtree is one indexed ``LIKE '/1/5/%'`` and the ancestors are read off the path.
    """

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    path: Mapped[str] = mapped_column(String(1000), index=True, default="")
    depth: Mapped[int] = mapped_column(Integer, default=0)
    members: Mapped[int] = mapped_column(Integer, default=0)

    parent: Mapped[Organisation | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Organisation]] = relationship(back_populates="parent")

    def __repr__(self) -> str:
        return f"<Organisation {self.code}>"

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this unit's parent."""
        return [int(p) for p in self.path.strip("/").split("/")[:-1] if p]

    def is_within(self, other: Organisation) -> bool:
        """True if this unit is ``other`` or lies in its subtree."""
        return self.path.startswith(other.path)

    def subtree_query(self):
        """A select of this unit and all units below it."""
        return select(Organisation).where(Organisation.path.startswith(self.path))

    def set_path(self) -> None:
        """Recompute ``path`` and ``depth`` from the parent (which must have its path)."""
        prefix = self.parent.path if self.parent is not None else "/"
        self.path = f"{prefix}{self.id}/"
        self.depth = self.path.count("/") - 2
