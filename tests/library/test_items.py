"""An item's page: each kind with its sections, drafts, contacts, documents, translations,
related items, and a query count that does not grow with the content."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.images import ImageFile
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import Collection, Locale

from community.library.models import (
    Adoption,
    InterviewPage,
    LibraryDocument,
    PracticeContact,
    PracticeDocument,
    PracticeIndicator,
    PracticeObstacle,
    PracticeSheetPage,
    PracticeStakeholder,
    PracticeStep,
    PracticeVideo,
    PrivateCollection,
    ToolboxDocument,
    ToolboxItemPage,
    VideoCapsulePage,
)
from community.library.views import library_item
from community.models import Sector, Theme, Visibility
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


# --- Fixtures and helpers ------------------------------------------------------------------------


def document(title="Guide de l'entretien mixte", *, collection=None, name="guide.pdf", size=48_000):
    """A document row; the page lists it without opening its file, so no file is written."""
    return LibraryDocument.objects.create(
        title=title,
        file=f"tests/{name}",
        file_size=size,
        collection=collection or Collection.get_first_root_node(),
    )


def private_collection(space, name="Kit du comité"):
    collection = Collection.get_first_root_node().add_child(name=name)
    PrivateCollection.objects.create(collection=collection, space=space)
    return collection


def cover_image():
    buffer = BytesIO()
    PILImage.new("RGB", (64, 36), "purple").save(buffer, "PNG")
    return get_image_model().objects.create(
        title="cover",
        description="Des apprenties devant une presse plieuse",
        file=ImageFile(buffer, name="cover.png"),
    )


def contact_user(name, *, organisation=None, profile=Visibility.MEMBERS, org=Visibility.MEMBERS):
    user = UserFactory(
        email=f"{slugify(name)}@secret.example",
        profile__display_name=name,
        profile__organisation=organisation,
        profile__profile_visibility=profile,
        profile__organisation_visibility=org,
    )
    return user


def sheet_fields(n=1, *, contacts=(), documents=(), tag=""):
    """Every section of a sheet, `n` rows in each list."""
    return {
        "observation": "<p>Les PME ne savent pas <b>par où commencer</b>.</p>",
        "objectives": "<p>Outiller les clusters.</p>",
        "results": "<p>21 entreprises accompagnées.</p>",
        "lessons": "<p>Le binôme direction et représentants du personnel compte.</p>",
        "did_not_work": "<p>Les réunions en soirée ont fait fuir les participantes.</p>",
        "start_year": 2019,
        "end_year": 2021,
        "country": "FR",
        "region": "Bretagne",
        "actor_type": "cluster",
        "steps": [
            PracticeStep(title=f"Étape {i}", description=f"Description {i}", sort_order=i)
            for i in range(n)
        ],
        "obstacles": [
            PracticeObstacle(obstacle=f"Frein {i}", response=f"Levier {i}", sort_order=i)
            for i in range(n)
        ],
        "stakeholders": [
            PracticeStakeholder(
                organisation=OrganisationFactory(name=f"Partenaire {tag}{i}"),
                role="Financeur",
                sort_order=i,
            )
            for i in range(n)
        ]
        + [PracticeStakeholder(name="Aract Bretagne", role="Accompagnement", sort_order=n)],
        "indicators": [
            PracticeIndicator(
                label=f"Accords signés {i}", value=Decimal("6"), unit="accords", sort_order=i
            )
            for i in range(n)
        ]
        + [PracticeIndicator(label="Personnes sensibilisées", value=Decimal("1200"), sort_order=n)],
        "contacts": [
            PracticeContact(user=user, role="Chargée de mission", sort_order=i)
            for i, user in enumerate(contacts)
        ],
        "documents": [
            PracticeDocument(document=doc, sort_order=i) for i, doc in enumerate(documents)
        ],
        "videos": [
            PracticeVideo(title=f"Capsule {i}", url=YOUTUBE, sort_order=i) for i in range(n)
        ],
    }


@pytest.fixture
def theme(db):
    return Theme.objects.order_by("pk").first()


@pytest.fixture
def sector(db):
    return Sector.objects.order_by("pk").first()


@pytest.fixture
def full_sheet(make_sheet, theme, sector):
    organisation = OrganisationFactory(name="Forges de Saint-Omer")
    contacts = [
        contact_user("Visible Vanessa", organisation=organisation),
        contact_user("Cachée Camille", organisation=organisation, profile=Visibility.PRIVATE),
        contact_user(
            "Secrète Sarah",
            organisation=organisation,
            profile=Visibility.PRIVATE,
            org=Visibility.PRIVATE,
        ),
    ]
    return make_sheet(
        title="Les Clusters Égalité en Bretagne",
        summary="Un accompagnement collectif de six mois.",
        cover_image=cover_image(),
        themes=[theme],
        sectors=[sector],
        **sheet_fields(2, contacts=contacts, documents=[document()]),
    )


def preview_request(rf, user):
    request = rf.get("/cms/preview/")
    request.user = user
    return request


def render(response) -> str:
    response.render()
    return response.content.decode()


# --- Each kind renders with its sections ---------------------------------------------------------


def test_a_sheet_renders_every_section_of_the_clusters_structure(client, member, full_sheet):
    client.force_login(member)
    response = client.get(full_sheet.url)
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "library/sheet_page.html"
    content = response.content.decode()
    for heading in (
        "Observation",
        "What was done",
        "Objectives",
        "Obstacles and how they were handled",
        "Stakeholders",
        "Indicators",
        "Results and lessons",
        "What did not work",
        "Contacts",
        "Documents and videos",
    ):
        assert f">{heading}</h" in content, heading
    assert "<b>par où commencer</b>" in content  # rich text rendered, not escaped
    assert "Étape 0" in content and "Étape 1" in content
    assert "Frein 1" in content and "Levier 1" in content
    assert "Partenaire 0" in content and "Aract Bretagne" in content
    assert "Accords signés 0" in content and "<dd>6" in content
    assert "<dd>1,200" in content  # a whole figure, grouped
    assert "Les réunions en soirée" in content
    assert "2019–2021" in content
    assert "Bretagne" in content and "France" in content
    assert "Cluster" in content  # type of actor
    assert Theme.objects.order_by("pk").first().label in content
    assert Sector.objects.order_by("pk").first().label in content
    assert 'alt="Des apprenties devant une presse plieuse"' in content
    assert "Guide de l&#x27;entretien mixte" in content
    assert "Play the video (loads YouTube)" in content


@pytest.mark.parametrize(
    "model, template",
    [
        (PracticeSheetPage, "library/sheet_page.html"),
        (InterviewPage, "library/interview_page.html"),
        (VideoCapsulePage, "library/video_page.html"),
        (ToolboxItemPage, "library/toolbox_page.html"),
    ],
)
def test_each_kind_is_routable_and_rendered_by_its_own_template(client, make_item, model, template):
    fields = (
        {"tool_documents": [ToolboxDocument(document=document())]}
        if model is ToolboxItemPage
        else {}
    )
    page = make_item(model, title="Une pratique lisible", **fields)
    response = client.get(page.url)
    assert response.status_code == 200
    assert template in [t.name for t in response.templates]
    content = response.content.decode()
    assert "Une pratique lisible" in content
    assert "data-print hidden" in content
    assert f'href="/library/{page.slug}/pdf/"' in content


def test_an_interview_shows_the_person_the_questions_and_the_transcript_folded(
    client, member, make_item
):
    person = contact_user("Nadia Benali", organisation=OrganisationFactory(name="Arcelor"))
    page = make_item(
        InterviewPage,
        person=person,
        person_name="Nadia Benali",
        person_role="Cheffe d'atelier",
        organisation_name="Atelier Nord",
        interview_date=timezone.now().date(),
        media_url=YOUTUBE,
        transcript="<p>Bonjour, je suis Nadia.</p>",
    )
    client.force_login(member)
    content = client.get(page.url).content.decode()
    assert f'href="/members/{person.profile.pk}/"' in content
    assert "Cheffe d&#x27;atelier" in content and "Atelier Nord" in content
    assert "Comment avez-vous commencé ?" in content and "Par un stage." in content
    assert '<details class="library-transcript">' in content
    assert "Bonjour, je suis Nadia." in content
    assert "Play the video (loads YouTube)" in content


def test_an_interviewed_member_whose_profile_is_hidden_is_named_without_a_link(
    client, member, make_item
):
    person = contact_user("Nadia Benali", profile=Visibility.PRIVATE)
    page = make_item(InterviewPage, person=person, person_name="Nadia Benali")
    client.force_login(member)
    content = client.get(page.url).content.decode()
    assert "Nadia Benali" in content  # the name the editors wrote
    assert f"/members/{person.profile.pk}/" not in content


def test_a_video_from_a_host_loads_only_when_the_reader_asks(client, make_item):
    page = make_item(VideoCapsulePage, video_url=YOUTUBE, duration=timedelta(minutes=4, seconds=5))
    content = client.get(page.url).content.decode()
    assert "<iframe" not in content
    assert 'data-src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in content
    assert "Play the video (loads YouTube)" in content
    assert 'href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"' in content  # without JavaScript
    assert "4 min 05 s" in content
    assert "Transcription de la capsule." in content
    assert "js/library.js" in content


def test_a_peertube_video_names_its_instance_before_it_loads(client, make_item, settings):
    settings.LIBRARY_PEERTUBE_HOSTS = ["framatube.org"]
    page = make_item(VideoCapsulePage, video_url="https://framatube.org:8443/w/abcdef")
    content = client.get(page.url).content.decode()
    assert "<iframe" not in content
    assert 'data-src="https://framatube.org:8443/videos/embed/abcdef"' in content
    assert "Play the video (loads PeerTube from framatube.org:8443)" in content


def test_a_video_file_plays_in_the_page_with_its_captions(client, make_item):
    video = document("Capsule Wi-Filles", name="wifilles.mp4")
    captions = document("Sous-titres", name="wifilles.vtt")
    page = make_item(
        VideoCapsulePage, video_url="", video_document=video, captions=captions, transcript=""
    )
    content = client.get(page.url).content.decode()
    assert (
        f'<video class="library-video-file" controls preload="metadata" src="{video.url}"'
        in content
    )
    language = page.locale.language_code
    assert f'<track kind="captions" src="{captions.url}" srclang="{language}"' in content


def test_a_toolbox_locks_private_documents_and_names_their_space_only_to_who_may_see_it(
    client, member, other_member, make_item, private_space, request_space
):
    MembershipFactory(space=private_space, user=member)
    open_doc = document("Modèle d'offre d'emploi", name="offre.docx", size=20_480)
    secret = document("Kit formateurs", collection=private_collection(private_space))
    members_only = document("Grille d'audit", collection=private_collection(request_space, "Audit"))
    page = make_item(
        ToolboxItemPage,
        audience="PME industrielles",
        description="<p>Pour rédiger des offres sans stéréotypes.</p>",
        tool_documents=[
            ToolboxDocument(document=open_doc, note="À adapter", sort_order=0),
            ToolboxDocument(document=secret, sort_order=1),
            ToolboxDocument(document=members_only, sort_order=2),
        ],
    )

    client.force_login(member)
    content = client.get(page.url).content.decode()
    assert f'href="{open_doc.url}"' in content and "DOCX" in content and "20.0\xa0KB" in content
    assert "À adapter" in content and "PME industrielles" in content
    assert f'href="{secret.url}"' in content  # a member of the private space opens it
    assert "For members of Comité de pilotage" in content
    assert f'href="{members_only.url}"' not in content  # not a member of that space
    assert "For members of Référentes égalité" in content  # a members-only space: named

    client.force_login(other_member)
    content = client.get(page.url).content.decode()
    assert f'href="{secret.url}"' not in content
    assert "Kit formateurs" in content
    assert "Comité de pilotage" not in content  # a private space is never named to outsiders
    assert "For the members of a private space" in content


# --- Drafts and previews -------------------------------------------------------------------------


def test_a_draft_is_a_404_for_visitors_and_other_members(client, member, other_member, make_sheet):
    draft = make_sheet(publish=False, owner=member, title="Brouillon confidentiel")
    assert client.get(draft.url).status_code == 404
    client.force_login(other_member)
    assert client.get(draft.url).status_code == 404


def test_the_preview_of_a_draft_is_shown_to_its_author_and_hidden_from_others(
    rf, member, other_member, make_sheet
):
    draft = make_sheet(publish=False, owner=member, title="Brouillon confidentiel")
    revision = draft.get_latest_revision_as_object()

    content = render(library_item(preview_request(rf, member), page=revision, preview=True))
    assert "Brouillon confidentiel" in content
    assert "This version is not published" in content
    assert "/pdf/" not in content  # no PDF of what is not published

    for outsider in (other_member, UserFactory(is_active=False)):
        with pytest.raises(Http404):
            library_item(preview_request(rf, outsider), page=revision, preview=True)


def test_the_preview_through_wagtail_uses_the_same_rule(rf, member, other_member, make_sheet):
    draft = make_sheet(publish=False, owner=member)
    assert draft.serve_preview(preview_request(rf, member), "").status_code == 200
    with pytest.raises(Http404):
        draft.serve_preview(preview_request(rf, other_member), "")


def test_the_preview_of_a_sheet_not_saved_yet_renders(rf, staff, library_index, theme):
    page = PracticeSheetPage(
        title="Pas encore enregistrée",
        slug="nouvelle",
        summary="Aperçu.",
        observation="<p>Constat.</p>",
        steps=[PracticeStep(title="Première étape")],
        themes=[theme],
        videos=[PracticeVideo(title="Capsule", url=YOUTUBE)],
        locale=library_index.locale,
    )
    content = render(library_item(preview_request(rf, staff), page=page, preview=True))
    assert "Pas encore enregistrée" in content and "Première étape" in content
    assert theme.label in content


@pytest.mark.parametrize("slug", ["feed", "contribute", "Review"])
def test_an_item_cannot_take_an_address_the_library_answers_itself(make_item, slug):
    page = make_item(ToolboxItemPage)
    page.slug = slug
    with pytest.raises(ValidationError) as refused:
        page.full_clean()
    assert [error.code for error in refused.value.error_dict["slug"]] == ["reserved_slug"]
    page.slug = f"{slug}-pratique"
    page.full_clean()


def test_the_live_page_shows_the_published_version_not_the_pending_changes(
    client, member, make_sheet
):
    sheet = make_sheet(owner=member, title="Version publiée")
    sheet.title = "Changements en attente"
    sheet.save_revision(user=member)
    content = client.get(sheet.url).content.decode()
    assert "Version publiée" in content
    assert "Changements en attente" not in content


# --- Contacts ------------------------------------------------------------------------------------


def test_contacts_show_only_the_profiles_the_reader_may_see_and_never_an_email(
    client, member, full_sheet
):
    client.force_login(member)
    content = client.get(full_sheet.url).content.decode()
    vanessa = full_sheet.contacts.get(user__profile__display_name="Visible Vanessa").user
    assert f'href="/members/{vanessa.profile.pk}/">Visible Vanessa</a>' in content
    assert "Cachée Camille" not in content
    assert "A member of Forges de Saint-Omer" in content  # her organisation she shows
    assert "Secrète Sarah" not in content  # hides both: not shown at all
    assert content.count("A member of Forges de Saint-Omer") == 1
    assert "@secret.example" not in content


def test_a_visitor_sees_no_contact_and_is_invited_to_sign_in(client, full_sheet):
    content = client.get(full_sheet.url).content.decode()
    assert "Visible Vanessa" not in content and "Forges de Saint-Omer" not in content
    assert "Sign in to see whom to contact about this practice." in content
    assert "@secret.example" not in content


# --- Translations --------------------------------------------------------------------------------


@pytest.fixture
def translated(make_sheet):
    original = make_sheet(
        title="Les ateliers Raconte-moi ton métier",
        slug="raconte-moi",
        locale=Locale.objects.get(language_code="fr"),
    )
    translation = make_sheet(
        title="The Tell-me-about-your-job workshops",
        slug="raconte-moi-en",
        locale=Locale.objects.get(language_code="en"),
        translation_key=original.translation_key,
        translation_source_published_at=original.last_published_at,
    )
    return original, translation


def test_an_original_links_to_its_translation_and_the_translation_to_its_original(
    client, translated
):
    original, translation = translated
    content = client.get(original.url).content.decode()
    assert f'<a href="{translation.url}" lang="en" hreflang="en">Read in English</a>' in content
    assert "Translated from" not in content

    content = client.get(translation.url).content.decode()
    assert f'<a href="{original.url}" lang="fr" hreflang="fr">Lire en français</a>' in content
    assert (
        f'<a href="{original.url}" hreflang="fr">Translated from the French original</a>' in content
    )
    assert "after this translation" not in content


def test_a_translation_says_when_its_original_changed_after_it(client, translated):
    original, translation = translated
    original.summary = "Un résumé revu."
    revision = original.save_revision()
    revision.publish()
    original.refresh_from_db()
    assert original.last_published_at > translation.translation_source_published_at
    content = client.get(translation.url).content.decode()
    # The page shows the date in the site's time zone (near midnight UTC, already tomorrow).
    date = date_format(timezone.localtime(original.last_published_at), "DATE_FORMAT")
    assert f"The original was updated on {date}, after this translation." in content


def test_an_unpublished_translation_is_not_offered(client, make_sheet):
    original = make_sheet(locale=Locale.objects.get(language_code="fr"))
    make_sheet(
        publish=False,
        slug="brouillon-en",
        locale=Locale.objects.get(language_code="en"),
        translation_key=original.translation_key,
        translation_source_published_at=original.last_published_at,
    )
    assert "Read in English" not in client.get(original.url).content.decode()


def translate_button(client, page) -> bool:
    return (
        f'action="/library/contributions/{page.pk}/translate/"'
        in client.get(page.url).content.decode()
    )


@pytest.mark.parametrize("model", [PracticeSheetPage, InterviewPage])
def test_the_author_and_the_reviewers_are_offered_to_translate_a_published_original(
    client, make_item, member, other_member, animator, open_space, model
):
    page = make_item(
        model, owner=member, spaces=[open_space], locale=Locale.objects.get(language_code="fr")
    )
    assert not translate_button(client, page)  # a visitor
    client.force_login(other_member)
    assert not translate_button(client, page)

    for user in (member, animator):
        client.force_login(user)
        content = client.get(page.url).content.decode()
        assert (
            f'<form method="post" action="/library/contributions/{page.pk}/translate/"' in content
        )
        assert '<input type="hidden" name="locale" value="en">' in content
        assert 'lang="en">Translate into English</button>' in content


def test_translating_is_not_offered_on_a_translation_nor_once_the_other_language_is_started(
    client, make_sheet, staff, translated
):
    client.force_login(staff)
    original, translation = translated
    assert not translate_button(client, original)
    assert not translate_button(client, translation)

    started = make_sheet(locale=Locale.objects.get(language_code="fr"))
    assert translate_button(client, started)
    make_sheet(
        publish=False,
        slug="commencee-en",
        locale=Locale.objects.get(language_code="en"),
        translation_key=started.translation_key,
        translation_source_published_at=started.last_published_at,
    )
    assert not translate_button(client, started)


def test_an_english_original_is_offered_a_french_translation(client, make_sheet, staff):
    client.force_login(staff)
    sheet = make_sheet(locale=Locale.objects.get(language_code="en"))
    content = client.get(sheet.url).content.decode()
    assert '<input type="hidden" name="locale" value="fr">' in content
    assert 'lang="fr">Traduire en français</button>' in content


# --- Related items -------------------------------------------------------------------------------


def test_related_items_share_themes_first_then_a_sector(client, make_sheet, make_item):
    themes = list(Theme.objects.order_by("pk")[:2])
    sectors = list(Sector.objects.order_by("pk")[:1])
    sheet = make_sheet(title="Centre", themes=themes, sectors=sectors)
    make_sheet(title="Deux thèmes", themes=themes)
    make_sheet(title="Un thème", themes=themes[:1])
    make_item(InterviewPage, title="Même secteur", sectors=sectors)
    make_sheet(title="Sans rapport")
    make_sheet(title="Brouillon lié", themes=themes, publish=False)
    for n in range(3):
        make_sheet(title=f"Secteur {n}", sectors=sectors)

    related = client.get(sheet.url).context["related"]
    titles = [item.title for item in related]
    assert len(titles) == 4
    assert titles[:3] == ["Deux thèmes", "Un thème", titles[2]]
    assert titles[2] in {"Même secteur", "Secteur 0", "Secteur 1", "Secteur 2"}
    assert not {"Centre", "Sans rapport", "Brouillon lié"} & set(titles)


# --- Query counts --------------------------------------------------------------------------------


def count_queries(client, url) -> int:
    client.get(url)  # what every page caches for minutes (site root paths, the footer's links)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _grow_sheet(make_sheet, n, *, themes, sectors, space, organisation):
    contacts = [contact_user(f"Contact {n}-{i}", organisation=organisation) for i in range(n)]
    documents = [document(f"Doc {n}-{i}") for i in range(n)]
    sheet = make_sheet(
        cover_image=cover_image(),
        themes=themes,
        sectors=sectors,
        spaces=[space],
        **sheet_fields(n, contacts=contacts, documents=documents, tag=f"{n}-"),
    )
    for i in range(n):
        make_sheet(title=f"Voisine {n}-{i}", themes=themes, cover_image=cover_image())
    return sheet


# Pinned: what a sheet's page costs, whatever its length. Wagtail's routing (9), the locale,
# themes and sectors, three citation sources, related items with their themes and covers, the
# translations, the seven lists, the documents' collections (2), the cover and its rendition,
# the adoption figures (2). A signed-in member adds their account, e-mail addresses (the
# spaces they see), the profiles of the contacts (2), their profile, organisation and
# declaration, the unread notifications, and whether they animate (2: the Translate button).
SHEET_QUERIES = {"visitor": 32, "member": 42}


@pytest.mark.parametrize("viewer", ["visitor", "member"])
def test_a_sheet_page_keeps_its_query_count_when_its_content_grows(
    client, make_sheet, member, open_space, viewer, django_assert_max_num_queries
):
    organisation = OrganisationFactory()
    member.profile.organisation = organisation
    member.profile.save()
    if viewer == "member":
        client.force_login(member)
    themes = list(Theme.objects.order_by("pk")[:2])
    sectors = list(Sector.objects.order_by("pk")[:1])
    grow = dict(themes=themes, sectors=sectors, space=open_space, organisation=organisation)
    small = _grow_sheet(make_sheet, 1, **grow)
    big = _grow_sheet(make_sheet, 6, **grow)
    for _ in range(5):
        Adoption.objects.create(practice=big, organisation=OrganisationFactory(), status="adopted")
    queries = count_queries(client, small.url)
    client.get(big.url)  # the covers' renditions are made at the first view
    with django_assert_max_num_queries(queries):
        client.get(big.url)
    assert queries == SHEET_QUERIES[viewer]


# Pinned for a signed-in member: the same base as a sheet, without its lists and adoptions.
OTHER_KIND_QUERIES = {"interview": 21, "video": 21, "toolbox": 24}


@pytest.mark.parametrize("model", [InterviewPage, VideoCapsulePage, ToolboxItemPage])
def test_the_other_kinds_keep_their_query_count(
    client, member, make_item, model, django_assert_max_num_queries
):
    client.force_login(member)
    fields = {
        InterviewPage: lambda n: {
            "questions": [
                {"type": "qa", "value": {"question": f"Q{i}", "answer": "<p>R</p>"}}
                for i in range(n)
            ]
        },
        VideoCapsulePage: lambda n: {},
        ToolboxItemPage: lambda n: {
            "tool_documents": [
                ToolboxDocument(document=document(f"D{i}"), sort_order=i) for i in range(n)
            ]
        },
    }[model]
    small = make_item(model, **fields(1))
    big = make_item(model, **fields(8))
    queries = count_queries(client, small.url)
    with django_assert_max_num_queries(queries):
        client.get(big.url)
    assert queries == OTHER_KIND_QUERIES[model.KIND]
