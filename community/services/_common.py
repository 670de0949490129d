"""Helpers shared by the community services."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext as _


def apply_fields(instance, fields: dict, allowed: tuple[str, ...]) -> list[str]:
    """Set plain fields on `instance`; many-to-many values are returned for `set()` later."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValueError(f"Unexpected fields: {sorted(unknown)}")
    m2m = []
    for name, value in fields.items():
        field = instance._meta.get_field(name)
        if field.many_to_many:
            m2m.append(name)
        else:
            # save_form_data keeps a file unchanged on None and clears it on False.
            field.save_form_data(instance, value)
    return m2m


def validate(instance) -> None:
    """`instance.full_clean()`, plus the `max_length` of its text fields.

    Django enforces a TextField's max_length only in model forms; services are called by
    consumers, commands and the admin too, so the limit is checked here for every caller.
    """
    errors: dict = {}
    try:
        instance.full_clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    for field in instance._meta.concrete_fields:
        if not isinstance(field, models.TextField) or not field.max_length:
            continue
        if field.name in errors:
            continue
        try:
            MaxLengthValidator(field.max_length)(getattr(instance, field.attname) or "")
        except ValidationError as error:
            errors[field.name] = error.error_list
    if errors:
        raise ValidationError(errors)


def set_many(instance, fields: dict, names: list[str]) -> None:
    for name in names:
        getattr(instance, name).set(fields[name])


def refuse(message: str, code: str, field: str | None = None):
    """Raise a translated ValidationError, attached to a form field when one is named."""
    if field:
        raise ValidationError({field: ValidationError(message, code=code)})
    raise ValidationError(message, code=code)


__all__ = ["apply_fields", "refuse", "set_many", "validate", "_"]
