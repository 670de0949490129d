"""Rebuilding a library item from a revision in a constant number of queries.

Wagtail rebuilds a draft from its revision's JSON with `from_serializable_data`, which by
default checks every foreign key of the page and of each of its rows with one query each: a
sheet with ten contacts and ten stakeholders costs twenty queries to open. Here the same check
is made in one query per referenced model, whatever the rows, with Wagtail's own rules for a
reference that no longer exists:

- on the page itself: SET_NULL and CASCADE set it to None, DO_NOTHING keeps it;
- on a row (a contact, a document): CASCADE drops the row, SET_NULL sets it to None.
"""

from collections import defaultdict

from django.db import models
from modelcluster.models import get_all_child_relations


def _foreign_keys(model):
    """The forward many-to-one fields of `model` that point elsewhere (not its parental key)."""
    return [
        field
        for field in model._meta.concrete_fields
        if field.many_to_one and not getattr(field, "parent_link", False)
    ]


def _references(model, parental_key=None):
    """The foreign keys a record of `model` holds, less the key to its page."""
    return [field for field in _foreign_keys(model) if field.name != parental_key]


def _records(model, data):
    """(record, its foreign keys) for the page's own data and each of its rows'."""
    yield data, _references(model)
    for relation in get_all_child_relations(model):
        for row in data.get(relation.get_accessor_name()) or []:
            yield row, _references(relation.related_model, relation.field.name)


def _existing(references):
    """{(model, field name): set of existing values}, one query per referenced field."""
    found = {}
    for (target, to_field), values in references.items():
        found[(target, to_field)] = set(
            target._default_manager.filter(**{f"{to_field}__in": values}).values_list(
                to_field, flat=True
            )
        )
    return found


def without_dangling_references(model, data):
    """A copy of `data` whose references to deleted rows are handled as Wagtail would.

    A reference of the page itself that is gone is set to None (Wagtail's rule when it is not
    strict, which it never is for a page's revision).
    """
    references = defaultdict(set)
    for record, fields in _records(model, data):
        for field in fields:
            value = record.get(field.name)
            if value is not None:
                target = field.remote_field.model
                to_field = field.remote_field.field_name
                clean = target._meta.get_field(to_field).to_python(value)
                references[(target, to_field)].add(clean)
    existing = _existing(references)

    def gone(field, record):
        value = record.get(field.name)
        if value is None or field.remote_field.on_delete == models.DO_NOTHING:
            return False
        target = field.remote_field.model
        to_field = field.remote_field.field_name
        return target._meta.get_field(to_field).to_python(value) not in existing[(target, to_field)]

    data = dict(data)
    for field in _foreign_keys(model):
        if gone(field, data):
            data[field.name] = None
    for relation in get_all_child_relations(model):
        name = relation.get_accessor_name()
        if name not in data:
            continue
        kept = []
        for row in data[name] or []:
            row = dict(row)
            dropped = False
            for field in _references(relation.related_model, relation.field.name):
                if not gone(field, row):
                    continue
                if field.remote_field.on_delete == models.CASCADE:
                    dropped = True
                    break
                row[field.name] = None
            if not dropped:
                kept.append(row)
        data[name] = kept
    return data
