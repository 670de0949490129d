"""What every community view does the same way: run a service, turn its refusal into a message."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.utils.translation import gettext as _


def run_service(request, call, *, success: str | None = None, form=None) -> bool:
    """Call `call()`; on a refusal show it (on the form when there is one) and return False."""
    try:
        call()
    except ValidationError as error:
        if form is not None and hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            for text in error.messages:
                messages.error(request, text)
        return False
    except PermissionDenied as error:
        messages.error(request, str(error) or _("You are not allowed to do this."))
        return False
    if success:
        messages.success(request, success)
    return True


def paginate(request, queryset, per_page: int = 24):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def partial_or_full(request, full: str, partial: str) -> str:
    """htmx swaps get only the fragment; a history restore (htmx) wants the whole page.

    A view answering both ways must send `Vary: HX-Request` (`patch_vary_headers`), so that a
    cache never serves the fragment for the page.
    """
    htmx = getattr(request, "htmx", None)
    return partial if htmx and not htmx.history_restore_request else full
