"""``updated_at`` kept by the model layer itself, so no write path can forget it.

A sync client asks a list for what changed since the newest ``updated_at`` it saw
(docs/sync.md), so every write must move the stamp: ``save()``, ``QuerySet.update()`` (the
conditional updates of the state machines), ``bulk_create`` and ``bulk_update``. ``auto_now``
covers only ``save()``, and reads Django's clock rather than ``core.clock``; so a model keeps it
by inheriting :class:`Stamped` (or :class:`Touching`, for a child shown inside a parent's JSON
that has no stamp of its own) instead.

A model naming ``sync_parent`` (a foreign key) also stamps that parent whenever it is written or
deleted: a milestone changed or removed moves its project, whose answer embeds the plan. The
parent is stamped first, before the child's own write, so the row locks are taken parent first
(as services that lock a project and then change its milestones take them). A conditional update
stamps the parents of the rows its filter matches when it runs: none when it matches none.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from django.db import models

from . import clock

FIELD = "updated_at"


def _stamped(model: type[models.Model]) -> bool:
    return any(f.name == FIELD for f in model._meta.concrete_fields)


def _parent(model: type[models.Model]) -> tuple[str, type[models.Model]] | None:
    """The foreign key's attribute (``project_id``) and the parent model, or None."""
    name = getattr(model, "sync_parent", None)
    if not name:
        return None
    field = model._meta.get_field(name)
    return field.attname, field.related_model


def touch(model: type[models.Model], ids: Iterable[Any]) -> None:
    """Stamp the rows ``ids`` of ``model`` (and, through it, their parents) as changed now."""
    ids = {pk for pk in ids if pk is not None}
    if ids:
        model._default_manager.filter(pk__in=ids).update()


class StampedQuerySet(models.QuerySet):
    """Every bulk write stamps ``updated_at`` and touches the rows' parents."""

    def _parent_ids(self) -> tuple[type[models.Model], list[Any]] | None:
        parent = _parent(self.model)
        if parent is None:
            return None
        attname, model = parent
        return model, list(self.values_list(attname, flat=True).distinct().order_by())

    def update(self, **kwargs: Any) -> int:
        if _stamped(self.model):
            kwargs.setdefault(FIELD, clock.now())
        parents = self._parent_ids()
        if parents is not None:
            touch(*parents)  # the parent first: the order in which services lock them
        return super().update(**kwargs)

    update.alters_data = True

    def delete(self) -> tuple[int, dict[str, int]]:
        parents = self._parent_ids()
        if parents is not None:
            touch(*parents)
        return super().delete()

    delete.alters_data = True

    def bulk_create(self, objs: Iterable[models.Model], *args: Any, **kwargs: Any) -> list:
        objs = list(objs)
        if _stamped(self.model):
            now = clock.now()
            for obj in objs:
                setattr(obj, FIELD, now)
        _touch_parents_of(self.model, objs)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(
        self, objs: Iterable[models.Model], fields: Iterable[str], *args: Any, **kwargs: Any
    ) -> int:
        objs, fields = list(objs), list(fields)
        if _stamped(self.model):
            now = clock.now()
            for obj in objs:
                setattr(obj, FIELD, now)
            if FIELD not in fields:
                fields.append(FIELD)
        _touch_parents_of(self.model, objs)
        return super().bulk_update(objs, fields, *args, **kwargs)


def _touch_parents_of(model: type[models.Model], objs: list[models.Model]) -> None:
    parent = _parent(model)
    if parent is not None:
        attname, parent_model = parent
        touch(parent_model, (getattr(obj, attname) for obj in objs))


class Touching(models.Model):
    """A model whose writes and deletions stamp its ``sync_parent`` (and its own
    ``updated_at`` when it has one: see :class:`Stamped`)."""

    #: The foreign key whose row's JSON shows this one (None: no parent to touch).
    sync_parent: ClassVar[str | None] = None

    objects = StampedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if _stamped(type(self)):
            setattr(self, FIELD, clock.now())
            fields = kwargs.get("update_fields")
            if fields is not None and FIELD not in fields:
                kwargs["update_fields"] = [*fields, FIELD]
        _touch_parents_of(type(self), [self])
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        _touch_parents_of(type(self), [self])
        return super().delete(*args, **kwargs)


class Stamped(Touching):
    """A model with an ``updated_at`` that every write moves (``core.clock.now()``)."""

    updated_at = models.DateTimeField(
        default=clock.now, editable=False, help_text="When it last changed."
    )

    class Meta:
        abstract = True
