"""建家 projects (项目化管理): a union's yearly home-building projects, each with a goal tied to
the 六有 items or the third-party checklist, a person responsible, dated tasks down to a person,
and the improvement actions that serve it."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.dates import today
from survey_app.extensions import db
from survey_app.models.organisation import Organisation

#: What a project's goal is tied to: the 六有 items of a standard grassroots union, the
#: third-party checklist, or something else the union names.
GOAL_ITEMS = [
    ("chair", "有依法选举的工会主席"),
    ("organisation", "有独立健全的组织机构"),
    ("venue", "有服务职工的活动阵地"),
    ("rules", "有健全完善的制度机制"),
    ("online", "有功能完备的网上工作平台"),
    ("funds", "有保障有力的工作经费"),
    ("checklist", "第三方评估清单项目"),
    ("other", "其他"),
]


def _now() -> datetime:
    return datetime.now(UTC)


class HomeProject(db.Model):
    """One 建家 project of a unit for a year (goal, responsible person, tasks)."""

    __tablename__ = "home_projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    goal: Mapped[str] = mapped_column(Text, default="")
    goal_item: Mapped[str] = mapped_column(String(20), default="other")
    owner_name: Mapped[str] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    organisation: Mapped[Organisation] = relationship()
    tasks: Mapped[list[ProjectTask]] = relationship(
        back_populates="project", cascade="all, delete-orphan",
        order_by="(ProjectTask.starts_on, ProjectTask.id)")

    @property
    def goal_item_name(self) -> str:
        return dict(GOAL_ITEMS).get(self.goal_item, self.goal_item)

    @property
    def progress(self) -> float | None:
        """Share of tasks done (None without tasks)."""
        return (sum(t.done_on is not None for t in self.tasks) / len(self.tasks)
                if self.tasks else None)


class ProjectTask(db.Model):
    """A dated task of a project, down to a person (时序进度, 责任到人)."""

    __tablename__ = "home_project_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("home_projects.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    owner_name: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)

    project: Mapped[HomeProject] = relationship(back_populates="tasks")

    def state(self, on: date | None = None) -> str:
        """``done``, ``overdue`` (past due, not done), ``running`` or ``upcoming``."""
        on = on or today()
        if self.done_on is not None:
            return "done"
        if self.due_on < on:
            return "overdue"
        return "running" if self.starts_on <= on else "upcoming"
