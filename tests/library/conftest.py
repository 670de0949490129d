"""Library fixtures: the index, and helpers that make items through Wagtail's own API.

`make_sheet(**fields)` creates and publishes a practice sheet (one step, the theme and sector
given, or none); `publish=False` leaves a draft owned by `owner`. `make_item(Model, **fields)`
does the same for the other kinds, with the fields each requires filled in.
"""

from datetime import timedelta

import pytest

from community.library.models import (
    InterviewPage,
    LibraryIndexPage,
    PracticeSheetPage,
    PracticeStep,
    ToolboxItemPage,
    VideoCapsulePage,
)

_DEFAULTS = {
    PracticeSheetPage: {
        "observation": "<p>Peu de femmes candidatent aux métiers de l'industrie.</p>",
    },
    InterviewPage: {
        "person_name": "Nadia Benali",
        "person_role": "Cheffe d'atelier",
        "questions": [
            {
                "type": "qa",
                "value": {
                    "question": "Comment avez-vous commencé ?",
                    "answer": "<p>Par un stage.</p>",
                },
            }
        ],
    },
    VideoCapsulePage: {
        "video_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "duration": timedelta(minutes=3, seconds=20),
        "transcript": "<p>Transcription de la capsule.</p>",
    },
    ToolboxItemPage: {"tool_kind": ToolboxItemPage.ToolKind.GUIDE},
}


@pytest.fixture
def library_index(db):
    return LibraryIndexPage.objects.get()


@pytest.fixture
def make_item(library_index):
    counter = {"n": 0}

    def make(model, *, publish=True, owner=None, themes=(), sectors=(), spaces=(), **fields):
        counter["n"] += 1
        values = {
            "title": f"{model._meta.verbose_name.title()} {counter['n']}",
            "slug": f"{model.KIND}-{counter['n']}",
            "summary": "Une pratique partagée par les clusters.",
            **_DEFAULTS.get(model, {}),
            **fields,
        }
        page = model(owner=owner, **values)
        if model is PracticeSheetPage and not page.steps.exists():
            page.steps.add(PracticeStep(title="Réunir les entreprises", sort_order=0))
        library_index.add_child(instance=page)
        if themes:
            page.themes.set(themes)
        if sectors:
            page.sectors.set(sectors)
        if spaces:
            page.spaces.set(spaces)
        if publish:
            page.save_revision(user=owner).publish()
        else:
            page.live = False
            page.save()
            page.save_revision(user=owner)
        return model.objects.get(pk=page.pk)

    return make


@pytest.fixture
def make_sheet(make_item):
    def make(**fields):
        return make_item(PracticeSheetPage, **fields)

    return make


@pytest.fixture
def sheet(make_sheet):
    return make_sheet()
