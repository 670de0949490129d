"""The matching score: which mentors of a programme suit a mentee, and why.

The score is transparent: out of 100 points, each part is shown to the mentee as a sentence.

| Part | Points |
|---|---|
| each theme the mentor works on among the mentee's interests (at most 3) | 10 each, 30 |
| a sector in common | 15 |
| a language in common | 15 |
| the same country | 10 |
| the same region (in the same country) | 5 |
| weekly availability published (a rule still valid) | 10 |
| remaining capacity: each free place (at most 3) | 5 each, 15 |

Candidates (the SQL prefilter, `candidates`): mentors taking part in the programme
(`ProgrammeMentor`), active accounts, not paused, vetted for one-to-one mentoring (mirrors
`permissions.allowed_formats`: full vetting), with a place left (open relationships, i.e.
requested, active and paused, below their capacity), meeting in a format the mentee accepts, and
whom the mentee has not asked in this programme before (an earlier request declined or expired
is not suggested again).

The score is computed by the database for the whole candidate set, with annotations (one
query, whatever the number of mentors: see `candidates`); the reasons are then built for the
top ones only, from the same annotations, one query for their places left and one query per
vocabulary for the names of what they share. A call makes at most five queries.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext, ngettext

from .models import (
    OPEN_STATES,
    AvailabilityRule,
    MenteeProfile,
    MentorProfile,
    Programme,
    ProgrammeMentor,
    Relationship,
)

THEME_POINTS, THEMES_COUNTED = 10, 3
SECTOR_POINTS = 15
LANGUAGE_POINTS = 15
COUNTRY_POINTS = 10
REGION_POINTS = 5
AVAILABILITY_POINTS = 10
PLACE_POINTS, PLACES_COUNTED = 5, 3
MAX_SCORE = (
    THEME_POINTS * THEMES_COUNTED
    + SECTOR_POINTS
    + LANGUAGE_POINTS
    + COUNTRY_POINTS
    + REGION_POINTS
    + AVAILABILITY_POINTS
    + PLACE_POINTS * PLACES_COUNTED
)

MentorThemes = MentorProfile.themes.through
MentorSectors = MentorProfile.sectors.through
MentorLanguages = MentorProfile.languages.through
MenteeThemes = MenteeProfile.themes.through
MenteeSectors = MenteeProfile.sectors.through
MenteeLanguages = MenteeProfile.languages.through


@dataclass
class Reason:
    """One part of a score: its code, its points and what the sentence needs. Stored as JSON
    on a request (`as_json`), and said in the reader's language when shown (`text`)."""

    code: str
    points: int
    count: int = 0
    names: list[str] = field(default_factory=list)
    region: str = ""

    @property
    def text(self) -> str:
        return reason_text(self.as_json())

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "points": self.points,
            "count": self.count,
            "names": self.names,
            "region": self.region,
        }


def reason_text(reason: dict) -> str:
    """The sentence of a stored reason, in the active language."""
    code = reason.get("code")
    count = reason.get("count") or 0
    names = ", ".join(reason.get("names") or [])
    if code == "themes":
        text = ngettext(
            "Works on %(count)d of your interests: %(names)s.",
            "Works on %(count)d of your interests: %(names)s.",
            count,
        )
        return text % {"count": count, "names": names}
    if code == "sector":
        return gettext("Works in a sector you chose: %(names)s.") % {"names": names}
    if code == "language":
        return gettext("Speaks a language you speak: %(names)s.") % {"names": names}
    if code == "country":
        return gettext("Lives in the same country as you.")
    if code == "region":
        return gettext("Is in your region (%(region)s).") % {"region": reason.get("region", "")}
    if code == "availability":
        return gettext("Has published weekly availability.")
    if code == "places":
        text = ngettext(
            "Can take %(count)d more mentee.", "Can take %(count)d more mentees.", count
        )
        return text % {"count": count}
    return ""


@dataclass
class Suggestion:
    mentor: MentorProfile
    score: int
    reasons: list[Reason]

    @property
    def remaining(self) -> int:
        return self.mentor.remaining

    def reasons_json(self) -> list[dict]:
        return [reason.as_json() for reason in self.reasons]


def _count(subquery: QuerySet, group: str) -> Coalesce:
    """The number of rows of a correlated subquery, 0 when none."""
    counted = subquery.order_by().values(group).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _flag(condition) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _open_counts(mentor_ids):
    """Open relationships (requested, active, paused) per mentor among `mentor_ids` (a
    subquery), with the mentor's capacity."""
    return (
        Relationship.objects.filter(state__in=OPEN_STATES, mentor_id__in=mentor_ids)
        .order_by()
        .values("mentor_id", "mentor__capacity")
        .annotate(n=Count("pk"))
    )


def _places_below(places: int, mentor_ids):
    """The mentors with fewer than `places` free places among those with open relationships
    (capacity - open < places); one uncorrelated subquery, which PostgreSQL hashes once."""
    return _open_counts(mentor_ids).filter(n__gt=F("mentor__capacity") - places).values("mentor_id")


def _sharing_at_least(through, column: str, mentee_terms, count: int):
    """The mentors with at least `count` terms among the mentee's (one uncorrelated subquery)."""
    return (
        through.objects.filter(**{f"{column}__in": mentee_terms})
        .order_by()
        .values("mentorprofile_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=count)
        .values("mentorprofile_id")
    )


def _has_places(places: int, mentor_ids) -> Q:
    return Q(capacity__gte=places) & ~Q(pk__in=_places_below(places, mentor_ids))


def candidates(mentee: MenteeProfile, programme: Programme, *, today: date | None = None):
    """The mentors who may be suggested to `mentee` in `programme`, annotated with `score`
    (not yet ordered).

    The filter and the score use only uncorrelated subqueries ("is this mentor in the set of
    those who share 2 themes?", "... who have fewer than 3 places left?"): the database
    computes each set once and looks every mentor up in it, so 5,000 mentors cost little
    more than 50. The exact figures shown with the reasons (`shared_themes` and the flags)
    are correlated subqueries in the select list, which PostgreSQL evaluates only for the rows
    the LIMIT keeps; the places left of those rows are counted by `suggestions_for` afterwards.
    """
    today = today or date.today()
    mentee_themes = MenteeThemes.objects.filter(menteeprofile_id=mentee.pk).values("theme_id")
    mentee_sectors = MenteeSectors.objects.filter(menteeprofile_id=mentee.pk).values("sector_id")
    mentee_languages = MenteeLanguages.objects.filter(menteeprofile_id=mentee.pk).values(
        "language_id"
    )
    asked = Relationship.objects.filter(programme=programme, mentee=mentee).values("mentor_id")
    formats = Q(pk__in=[])
    if mentee.prefers_online:
        formats |= Q(online=True)
    if mentee.prefers_in_person:
        formats |= Q(in_person=True)

    same_country = Q(pk__in=[])
    same_region = Q(pk__in=[])
    if mentee.country:
        same_country = Q(country=mentee.country)
        if mentee.region.strip():
            same_region = same_country & Q(region__iexact=mentee.region.strip())

    in_programme = ProgrammeMentor.objects.filter(programme=programme).values("mentor_id")
    with_rules = AvailabilityRule.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    ).values("mentor_id")
    theme_points = sum(
        (
            _flag(Q(pk__in=_sharing_at_least(MentorThemes, "theme_id", mentee_themes, n)))
            for n in range(1, THEMES_COUNTED + 1)
        ),
        start=Value(0),
    )
    # Every candidate has a place (the filter); the 2nd and 3rd are looked up.
    place_points = sum(
        (_flag(_has_places(n, in_programme)) for n in range(2, PLACES_COUNTED + 1)),
        start=Value(1),
    )
    return (
        MentorProfile.objects.filter(
            formats,
            _has_places(1, in_programme),
            pk__in=in_programme,
            paused=False,
            vetting=MentorProfile.Vetting.CLEARED,
            user__is_active=True,
        )
        .exclude(user_id=mentee.user_id)
        .exclude(pk__in=asked)
        .annotate(
            score=(
                theme_points * THEME_POINTS
                + _flag(
                    Q(
                        pk__in=MentorSectors.objects.filter(sector_id__in=mentee_sectors).values(
                            "mentorprofile_id"
                        )
                    )
                )
                * SECTOR_POINTS
                + _flag(
                    Q(
                        pk__in=MentorLanguages.objects.filter(
                            language_id__in=mentee_languages
                        ).values("mentorprofile_id")
                    )
                )
                * LANGUAGE_POINTS
                + _flag(same_country) * COUNTRY_POINTS
                + _flag(same_region) * REGION_POINTS
                + _flag(Q(pk__in=with_rules)) * AVAILABILITY_POINTS
                + place_points * PLACE_POINTS
            ),
            # For the reasons of the rows kept (see above).
            shared_themes=_count(
                MentorThemes.objects.filter(
                    mentorprofile_id=OuterRef("pk"), theme_id__in=mentee_themes
                ),
                "mentorprofile_id",
            ),
            shares_sector=Exists(
                MentorSectors.objects.filter(
                    mentorprofile_id=OuterRef("pk"), sector_id__in=mentee_sectors
                )
            ),
            shares_language=Exists(
                MentorLanguages.objects.filter(
                    mentorprofile_id=OuterRef("pk"), language_id__in=mentee_languages
                )
            ),
            has_availability=Exists(with_rules.filter(mentor_id=OuterRef("pk"))),
            same_country=_flag(same_country),
            same_region=_flag(same_region),
        )
    )


def _shared_names(mentee: MenteeProfile, mentor_ids: list[int]) -> dict[str, dict[int, list]]:
    """For each mentor, the labels of the themes, sectors and languages shared with the mentee
    (three queries, whatever the number of mentors)."""
    found: dict[str, dict[int, list]] = {"themes": {}, "sector": {}, "language": {}}
    if not mentor_ids:
        return found
    lookups = (
        ("themes", MentorThemes, "theme", MenteeThemes),
        ("sector", MentorSectors, "sector", MenteeSectors),
        ("language", MentorLanguages, "language", MenteeLanguages),
    )
    for code, through, term, mentee_through in lookups:
        rows = (
            through.objects.filter(
                mentorprofile_id__in=mentor_ids,
                **{
                    f"{term}_id__in": mentee_through.objects.filter(
                        menteeprofile_id=mentee.pk
                    ).values(f"{term}_id")
                },
            )
            .select_related(term)
            .order_by(f"{term}__position", f"{term}__slug")
        )
        for row in rows:
            found[code].setdefault(row.mentorprofile_id, []).append(getattr(row, term).label)
    return found


def reasons_for(mentor: MentorProfile, mentee: MenteeProfile, names: dict) -> list[Reason]:
    """The reasons of an annotated mentor's score, the strongest first."""
    reasons = []
    if mentor.shared_themes:
        reasons.append(
            Reason(
                "themes",
                min(mentor.shared_themes, THEMES_COUNTED) * THEME_POINTS,
                count=mentor.shared_themes,
                names=names["themes"].get(mentor.pk, []),
            )
        )
    if mentor.shares_sector:
        reasons.append(Reason("sector", SECTOR_POINTS, names=names["sector"].get(mentor.pk, [])))
    if mentor.shares_language:
        reasons.append(
            Reason("language", LANGUAGE_POINTS, names=names["language"].get(mentor.pk, []))
        )
    if mentor.same_country:
        reasons.append(Reason("country", COUNTRY_POINTS))
    if mentor.same_region:
        reasons.append(Reason("region", REGION_POINTS, region=mentor.region))
    if mentor.has_availability:
        reasons.append(Reason("availability", AVAILABILITY_POINTS))
    places = max(mentor.remaining, 0)
    if places:
        reasons.append(Reason("places", min(places, PLACES_COUNTED) * PLACE_POINTS, count=places))
    reasons.sort(key=lambda reason: -reason.points)
    return reasons


def suggestions_for(
    mentee: MenteeProfile, programme: Programme, *, limit: int = 10, mentor_ids=None
) -> list[Suggestion]:
    """The best `limit` mentors for `mentee` in `programme`, highest score first (ties: the
    earliest profile). `mentor_ids` narrows the candidates (a request
    scores the one mentor asked). This does not check who may see it: the views and services
    do."""
    queryset = candidates(mentee, programme)
    if mentor_ids is not None:
        queryset = queryset.filter(pk__in=mentor_ids)
    top = list(queryset.select_related("user__profile").order_by("-score", "pk")[:limit])
    if top:
        open_counts = dict(
            Relationship.objects.filter(mentor__in=top, state__in=OPEN_STATES)
            .order_by()
            .values_list("mentor_id")
            .annotate(n=Count("pk"))
        )
        for mentor in top:
            mentor.open_count = open_counts.get(mentor.pk, 0)
            mentor.remaining = mentor.capacity - mentor.open_count
    names = _shared_names(mentee, [mentor.pk for mentor in top])
    return [
        Suggestion(mentor=mentor, score=mentor.score, reasons=reasons_for(mentor, mentee, names))
        for mentor in top
    ]
