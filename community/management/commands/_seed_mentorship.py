"""The demo mentorship: the three kinds of programme, with mentors who publish their availability
and young mentees whose guardians' consents are in several states.

- "Reconversion : une marraine pour rebondir" (one-to-one, adults): Maëlle is mentored by
  Sophie (a session held with feedback and a shared note, the next one booked), Hugo's request
  waits for Andrei's answer, Gwenaëlle is enrolled without a mentor yet.
- "Wi-Filles — coaching individuel" (one-to-one, 14-17): Léa (16, consent given) can find a
  mentor and book; Chloé (14) has her guardian's consent but has not agreed herself yet;
  Yasmine's guardian has not answered; Manon's guardian withdrew consent.
- "Wi-Filles Bretagne — promotion 2026" (a cohort of the same four girls): two sessions held
  with their registers, three to come.
- "Elles Bougent Bretagne — interventions": a class talk looking for two marraines (Nadia
  volunteered), an orientation forum with Marta confirmed.

Claire Morvan coordinates the four programmes; Sandrine Quéré is their safeguarding lead.
Writes go through the mentorship services, as on the site, except what only time or a guardian
produces: sessions already held (a booking in the past is refused), guardians' answers (they
come through a link sent by e-mail) and an intervention already held.

A programme whose slug already exists is skipped whole: running the seed again adds nothing.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from community.models import Language, Sector, Theme, User
from mentorship.models import (
    AgeBand,
    Booking,
    GuardianConsent,
    InterventionNeed,
    MentorProfile,
    Programme,
    SessionFeedback,
    SessionNote,
)
from mentorship.services import booking as booking_services
from mentorship.services import cohorts as cohort_services
from mentorship.services import interventions as intervention_services
from mentorship.services import matching, profiles, programmes
from mentorship.services.safeguarding import CONSENT_TEXT_VERSION, hash_token
from mentorship.slots import free_slots

# The young mentees, created for the mentorship demo: (login, name, age band, guardian, state).
MINORS = (
    ("lea.guillou", "Léa Guillou", AgeBand.MINOR, "Anne Guillou", "given"),
    ("chloe.nicolas", "Chloé Nicolas", AgeBand.UNDER_15, "Marc Nicolas", "awaiting_mentee"),
    ("yasmine.haddad", "Yasmine Haddad", AgeBand.MINOR, "Samia Haddad", "pending"),
    ("manon.legall", "Manon Le Gall", AgeBand.MINOR, "Hervé Le Gall", "withdrawn"),
)

MENTORS = {
    # login: (headline, themes, sectors, languages, region, capacity, weekly rules)
    "sophie.lemoine": (
        "Ingénieure méthodes et formatrice, 20 ans dans l'industrie",
        ["gender-diversity-of-trades", "career-paths", "industry"],
        ["manufacturing", "education-training"],
        ["fr", "en"],
        "Bretagne",
        3,
        [(1, "18:00", "20:00"), (3, "18:00", "20:00"), (5, "10:00", "12:00")],
    ),
    "andrei.popa": (
        "Développeur et chef de projet numérique",
        ["digital", "career-paths"],
        ["digital", "business-services"],
        ["fr", "ro", "en"],
        "Bretagne",
        2,
        [(0, "12:30", "14:00"), (2, "17:30", "19:30")],
    ),
    "nadia.belkacem": (
        "Technicienne de maintenance, marraine Elles Bougent",
        ["gender-diversity-of-trades", "girls-career-guidance"],
        ["manufacturing", "energy-environment"],
        ["fr", "ar"],
        "Bretagne",
        1,
        [(4, "14:00", "16:00")],
    ),
    "marta.soler": (
        "Ingeniera de producción en el mueble",
        ["gender-diversity-of-trades", "industry"],
        ["furniture-wood"],
        ["es", "fr"],
        "Comunitat Valenciana",
        1,
        [(1, "16:00", "18:00")],
    ),
}


@dataclass
class MentorshipSeed:
    created: int = 0
    problems: list[str] = field(default_factory=list)


def _terms(model, slugs):
    return list(model.objects.filter(slug__in=slugs))


def _mentor(user: User, spec) -> MentorProfile:
    headline, themes, sectors, languages, region, capacity, rules = spec
    mentor = profiles.mentor_profile_save(
        by=user,
        headline=headline,
        themes=_terms(Theme, themes),
        sectors=_terms(Sector, sectors),
        languages=_terms(Language, languages),
        country="ES" if region == "Comunitat Valenciana" else "FR",
        region=region,
        online=True,
        in_person=True,
        capacity=capacity,
        time_zone="Europe/Madrid" if region == "Comunitat Valenciana" else "Europe/Paris",
    )
    if not mentor.rules.exists():
        for weekday, start, end in rules:
            booking_services.availability_rule_add(
                by=user,
                weekday=weekday,
                starts_at=time.fromisoformat(start),
                ends_at=time.fromisoformat(end),
            )
    return mentor


def _minor(login: str, name: str, band: str, guardian: str, users: dict) -> User:
    from community.management.commands.seed_demo import create_account, demo_email

    user = users.get(login)
    if user is None:
        user = create_account(login, name, users["claire.morvan"].password)
        users[login] = user
    profiles.mentee_profile_save(
        by=user,
        age_band=band,
        goals="Découvrir les métiers du numérique et de l'industrie, et rencontrer des femmes "
        "qui les exercent.",
        themes=_terms(Theme, ["digital", "girls-career-guidance"]),
        languages=_terms(Language, ["fr"]),
        country="FR",
        region="Bretagne",
        guardian_name=guardian,
        guardian_email=demo_email(login.replace(".", ".parent.", 1)),
    )
    return user


def _consent(user: User, state: str, now: datetime, named: list) -> None:
    """What the guardian answered through the link they received (no account needed)."""
    mentee = user.mentee_profile
    if mentee.consents.exists():
        return
    consent = GuardianConsent(
        mentee=mentee,
        guardian_name=mentee.guardian_name,
        guardian_email=mentee.guardian_email,
        token_hash=hash_token(f"demo-consent-{user.pk}-{now.timestamp()}"),
        text_version=CONSENT_TEXT_VERSION,
        requested_by=user,
        requested_at=now - timedelta(days=12),
        expires_at=now + timedelta(days=2),
    )
    if state in ("given", "awaiting_mentee", "withdrawn"):
        consent.state = GuardianConsent.State.GIVEN
        consent.answered_at = now - timedelta(days=10)
        consent.signed_name = mentee.guardian_name
        if state == "given":
            consent.mentee_agreed_at = now - timedelta(days=9)
    if state == "withdrawn":
        consent.state = GuardianConsent.State.WITHDRAWN
        consent.withdrawn_at = now - timedelta(days=2)
        consent.withdrawn_by = "guardian"
    consent.save()
    if consent.answered_at:
        consent.programmes.set(named)


def _programme(by: User, lead: User, cluster, **fields) -> Programme:
    return programmes.programme_create(by=by, cluster=cluster, safeguarding_lead=lead, **fields)


def _next_slot(mentor: MentorProfile, mentee, now: datetime):
    slots = free_slots(mentor, now, now + timedelta(weeks=4), now=now, mentee=mentee)
    return slots[0] if slots else None


def _reconversion(users, cluster, now, result: MentorshipSeed) -> None:
    claire, sandrine = users["claire.morvan"], users["sandrine.quere"]
    programme = _programme(
        claire,
        sandrine,
        cluster,
        kind=Programme.Kind.ONE_TO_ONE,
        title="Reconversion : une marraine pour rebondir",
        slug="reconversion-marraine",
        summary="Des professionnelles accompagnent des femmes en reconversion ou en création "
        "d'entreprise vers les métiers techniques et industriels : un entretien par mois, des "
        "objectifs fixés ensemble, six mois pour avancer.",
        starts_on=date(2026, 9, 1),
        ends_on=date(2027, 6, 30),
        capacity=30,
        eligibility=Programme.Eligibility.ADULTS,
        request_days=7,
        reminder_days=4,
    )
    mentors = {}
    for login in ("sophie.lemoine", "andrei.popa"):
        mentors[login] = _mentor(users[login], MENTORS[login])
        programmes.programme_mentor_join(
            by=users[login], programme=programme, mentor=mentors[login]
        )
        mentors[login] = profiles.mentor_vetting_set(
            by=claire,
            mentor=mentors[login],
            vetting=MentorProfile.Vetting.CLEARED,
            identity_checked_on=date.today() - timedelta(days=40),
            record_seen_on=date.today() - timedelta(days=40),
        )
    mentees = {}
    for login, goals in (
        ("maelle.legoff", "Passer de la qualité à la conduite de ligne, et m'y former."),
        ("hugo.kerbrat", "Créer une entreprise de maintenance avec une équipe mixte."),
        ("gwenaelle.tanguy", "Reprendre un poste technique après un congé parental."),
    ):
        mentees[login] = profiles.mentee_profile_save(
            by=users[login],
            age_band=AgeBand.ADULT,
            goals=goals,
            themes=_terms(Theme, ["career-paths", "gender-diversity-of-trades"]),
            sectors=_terms(Sector, ["manufacturing"]),
            languages=_terms(Language, ["fr"]),
            country="FR",
            region="Bretagne",
        )
        programmes.enrolment_create(by=users[login], programme=programme, mentee=mentees[login])

    # Maëlle and Sophie: a session held (with feedback and a shared note), the next one booked.
    relationship = matching.request_create(
        by=users["maelle.legoff"],
        mentee=mentees["maelle.legoff"],
        mentor=mentors["sophie.lemoine"],
        programme=programme,
        message="Bonjour Sophie, votre parcours en méthodes m'intéresse beaucoup.",
    )
    relationship = matching.request_accept(by=users["sophie.lemoine"], relationship=relationship)
    held_start = (now - timedelta(days=6)).replace(hour=17, minute=0, second=0, microsecond=0)
    held = Booking.objects.create(
        relationship=relationship,
        mentor=relationship.mentor,
        mentee=relationship.mentee,
        starts_at=held_start,
        ends_at=held_start + timedelta(minutes=60),
        video_url=booking_services.video_url(),
        booked_by=users["maelle.legoff"],
    )
    SessionFeedback.objects.create(
        booking=held,
        author=users["maelle.legoff"],
        rating=5,
        working=SessionFeedback.Working.YES,
        comment="Très concret : je sais quelles formations demander à mon employeur.",
    )
    SessionNote.objects.create(
        relationship=relationship,
        booking=held,
        author=users["sophie.lemoine"],
        body="Objectif : un rendez-vous avec la responsable de production d'ici un mois.",
        shared=True,
    )
    slot = _next_slot(relationship.mentor, relationship.mentee, now)
    if slot is not None:
        booking_services.booking_create(
            by=users["maelle.legoff"], relationship=relationship, starts_at=slot
        )
    # Hugo asked Andrei, who has not answered yet; Gwenaëlle has no mentor yet.
    matching.request_create(
        by=users["hugo.kerbrat"],
        mentee=mentees["hugo.kerbrat"],
        mentor=mentors["andrei.popa"],
        programme=programme,
        message="Je monte une entreprise de maintenance informatique : pouvez-vous m'aider ?",
    )
    result.created += 1


def _wi_filles(users, cluster, now, result: MentorshipSeed) -> None:
    claire, sandrine = users["claire.morvan"], users["sandrine.quere"]
    coaching = _programme(
        claire,
        sandrine,
        cluster,
        kind=Programme.Kind.ONE_TO_ONE,
        title="Wi-Filles — coaching individuel",
        slug="wi-filles-coaching",
        summary="Chaque fille de la promotion est suivie par une professionnelle du numérique "
        "ou de l'industrie. Les conversations sont lues par les coordinatrices ; un parent "
        "donne son accord avant tout échange.",
        starts_on=date(2026, 9, 1),
        ends_on=date(2027, 6, 30),
        capacity=20,
        eligibility=Programme.Eligibility.MINORS,
    )
    cohort = _programme(
        claire,
        sandrine,
        cluster,
        kind=Programme.Kind.COHORT,
        title="Wi-Filles Bretagne — promotion 2026",
        slug="wi-filles-promo-2026",
        summary="Une promotion de collégiennes et lycéennes de 14 à 17 ans : ateliers, visites "
        "d'entreprises et coaching, un samedi sur deux, pour découvrir les métiers du numérique.",
        starts_on=date(2026, 9, 1),
        ends_on=date(2027, 6, 30),
        capacity=24,
        eligibility=Programme.Eligibility.MINORS,
        completion_min_sessions=3,
    )
    for login in ("sophie.lemoine", "andrei.popa"):
        mentor = users[login].mentor_profile
        programmes.programme_mentor_join(by=users[login], programme=coaching, mentor=mentor)
    enrolments = {}
    for login, name, band, guardian, state in MINORS:
        user = _minor(login, name, band, guardian, users)
        programmes.enrolment_create(by=user, programme=coaching, mentee=user.mentee_profile)
        enrolments[login] = programmes.enrolment_create(
            by=claire, programme=cohort, mentee=user.mentee_profile
        )
        _consent(user, state, now, [coaching, cohort])
    # The cohort's schedule: Saturdays, two held with their registers, three to come.
    saturday = (now - timedelta(days=(now.weekday() - 5) % 7)).date()
    sessions = [
        ("Atelier : coder son premier site", "workshop", saturday - timedelta(days=14)),
        ("Visite : la fabrique numérique de Lorient", "visit", saturday - timedelta(days=7)),
        ("Atelier : la robotique au collège", "workshop", saturday + timedelta(days=7)),
        ("Coaching : mon projet d'orientation", "coaching", saturday + timedelta(days=14)),
        ("Visite : une usine agroalimentaire", "visit", saturday + timedelta(days=21)),
    ]
    for title, kind, day in sessions:
        session = cohort_services.session_create(
            by=claire,
            programme=cohort,
            title=title,
            kind=kind,
            starts_at=datetime.combine(day, time(14, 0)),
            ends_at=datetime.combine(day, time(17, 0)),
            place="Espace Cyber, Lorient",
        )
        if day < now.date():
            cohort_services.attendance_record(
                by=claire,
                session=session,
                present={e.pk: login != "yasmine.haddad" for login, e in enrolments.items()},
            )
    result.created += 2


def _interventions(users, cluster, now, result: MentorshipSeed) -> None:
    claire, sandrine = users["claire.morvan"], users["sandrine.quere"]
    programme = _programme(
        claire,
        sandrine,
        cluster,
        kind=Programme.Kind.INTERVENTIONS,
        title="Elles Bougent Bretagne — interventions",
        slug="elles-bougent-bretagne",
        summary="Des ingénieures et techniciennes, marraines, vont dans les collèges et lycées "
        "et ouvrent leurs entreprises aux élèves pour parler de leur métier.",
        starts_on=date(2026, 9, 1),
        ends_on=date(2027, 7, 5),
        capacity=100,
        eligibility=Programme.Eligibility.ALL,
    )
    marraines = {}
    for login in ("nadia.belkacem", "marta.soler", "sophie.lemoine"):
        mentor = getattr(users[login], "mentor_profile", None) or _mentor(
            users[login], MENTORS[login]
        )
        programmes.programme_mentor_join(by=users[login], programme=programme, mentor=mentor)
        marraines[login] = mentor
    profiles.mentor_vetting_set(
        by=claire,
        mentor=marraines["nadia.belkacem"],
        vetting=MentorProfile.Vetting.IDENTITY,
        identity_checked_on=date.today() - timedelta(days=20),
        record_seen_on=None,
    )
    soon = (now + timedelta(days=16)).replace(tzinfo=None, second=0, microsecond=0)
    talk = intervention_services.need_create(
        by=claire,
        programme=programme,
        themes=_terms(Theme, ["girls-career-guidance"]),
        kind=InterventionNeed.Kind.CLASS_TALK,
        title="Deux marraines pour les 3e du collège Jean-Moulin",
        host="Collège Jean-Moulin, Lorient",
        starts_at=soon.replace(hour=9, minute=0),
        ends_at=soon.replace(hour=11, minute=0),
        place="Collège Jean-Moulin, salle polyvalente",
        country="FR",
        region="Bretagne",
        audience="Deux classes de 3e (52 élèves)",
        marraines_wanted=2,
        details="Accueil à 8 h 45 par la professeure principale ; vidéoprojecteur disponible.",
    )
    intervention_services.volunteer_offer(
        by=users["nadia.belkacem"], need=talk, note="Disponible toute la matinée."
    )
    later = (now + timedelta(days=30)).replace(tzinfo=None, second=0, microsecond=0)
    forum = intervention_services.need_create(
        by=claire,
        programme=programme,
        themes=_terms(Theme, ["girls-career-guidance", "industry"]),
        kind=InterventionNeed.Kind.FORUM,
        title="Forum des métiers du lycée Dupuy-de-Lôme",
        host="Lycée Dupuy-de-Lôme, Lorient",
        starts_at=later.replace(hour=13, minute=30),
        ends_at=later.replace(hour=17, minute=0),
        place="Lycée Dupuy-de-Lôme, gymnase",
        country="FR",
        region="Bretagne",
        audience="Élèves de seconde",
        marraines_wanted=1,
    )
    volunteer = intervention_services.volunteer_offer(by=users["marta.soler"], need=forum)
    intervention_services.volunteer_confirm(by=claire, volunteer=volunteer)
    # A visit already held: needs are posted for the future, so this one is written as it ended.
    held = now - timedelta(days=20)
    InterventionNeed.objects.create(
        programme=programme,
        posted_by=claire,
        kind=InterventionNeed.Kind.VISIT,
        title="Visite de la conserverie Kerlann",
        host="Conserverie Kerlann",
        starts_at=held,
        ends_at=held + timedelta(hours=3),
        place="Concarneau",
        country="FR",
        region="Bretagne",
        audience="Une classe de 4e",
        marraines_wanted=1,
        status=InterventionNeed.Status.DONE,
        pupils_reached=26,
        host_feedback="Les élèves ont découvert la conduite de ligne : plusieurs filles veulent "
        "faire leur stage chez nous.",
    )
    result.created += 1


def seed_mentorship(users: dict[str, User]) -> MentorshipSeed:
    """Create the demo programmes missing for `users` (demo login -> account)."""
    result = MentorshipSeed()
    claire = users.get("claire.morvan")
    if claire is None:
        result.problems.append("claire.morvan is missing: run seed_demo on an empty database")
        return result
    cluster = claire.animated_clusters.order_by("pk").first()
    now = timezone.now()
    existing = set(Programme.objects.values_list("slug", flat=True))
    for slug, step in (
        ("reconversion-marraine", _reconversion),
        ("wi-filles-coaching", _wi_filles),
        ("elles-bougent-bretagne", _interventions),
    ):
        if slug in existing:
            continue
        with transaction.atomic():
            step(users, cluster, now, result)
    return result
