"""factory_boy factories for mentorship."""

import hashlib
import secrets
from datetime import date, timedelta

import factory
from django.utils import timezone

from mentorship.models import (
    AgeBand,
    AvailabilityRule,
    Booking,
    Enrolment,
    GuardianConsent,
    MenteeProfile,
    MentorProfile,
    Programme,
    ProgrammeMentor,
    Relationship,
)
from tests.factories import UserFactory


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        skip_postgeneration_save = True

    kind = Programme.Kind.ONE_TO_ONE
    title = factory.Sequence(lambda n: f"Programme {n}")
    slug = factory.Sequence(lambda n: f"programme-{n}")
    starts_on = factory.LazyFunction(lambda: date.today() - timedelta(days=30))
    ends_on = factory.LazyFunction(lambda: date.today() + timedelta(days=300))
    capacity = 50
    eligibility = Programme.Eligibility.ALL
    safeguarding_lead = factory.SubFactory(UserFactory)

    @factory.post_generation
    def coordinators(self, create, extracted, **kwargs):
        if create and extracted:
            self.coordinators.set(extracted)


class MentorProfileFactory(factory.django.DjangoModelFactory):
    """A fully vetted mentor (identity and attestation), meeting online."""

    class Meta:
        model = MentorProfile

    user = factory.SubFactory(UserFactory)
    headline = "Ingénieure"
    country = "FR"
    region = "Bretagne"
    vetting = MentorProfile.Vetting.CLEARED
    identity_checked_on = factory.LazyFunction(lambda: date.today() - timedelta(days=10))
    record_seen_on = factory.LazyFunction(lambda: date.today() - timedelta(days=10))
    time_zone = "Europe/Paris"


class MenteeProfileFactory(factory.django.DjangoModelFactory):
    """An adult mentee; `MenteeProfileFactory(minor=True)` a 15-17 year old with a guardian."""

    class Meta:
        model = MenteeProfile

    class Params:
        minor = factory.Trait(
            age_band=AgeBand.MINOR,
            guardian_name="Parent Responsable",
            guardian_email=factory.Sequence(lambda n: f"guardian{n}@example.org"),
        )

    user = factory.SubFactory(UserFactory)
    goals = "Découvrir les métiers du numérique."
    country = "FR"
    region = "Bretagne"
    age_band = AgeBand.ADULT
    time_zone = "Europe/Paris"


class GuardianConsentFactory(factory.django.DjangoModelFactory):
    """A consent the guardian has given (and, under 15, the mentee agreed to)."""

    class Meta:
        model = GuardianConsent

    mentee = factory.SubFactory(MenteeProfileFactory, minor=True)
    guardian_name = factory.LazyAttribute(lambda o: o.mentee.guardian_name)
    guardian_email = factory.LazyAttribute(lambda o: o.mentee.guardian_email)
    token_hash = factory.LazyFunction(lambda: hashlib.sha256(secrets.token_bytes(16)).hexdigest())
    text_version = "2026-11"
    state = GuardianConsent.State.GIVEN
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))
    answered_at = factory.LazyFunction(timezone.now)
    signed_name = factory.LazyAttribute(lambda o: o.guardian_name)
    mentee_agreed_at = factory.LazyFunction(timezone.now)


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    programme = factory.SubFactory(ProgrammeFactory)
    mentee = factory.SubFactory(MenteeProfileFactory)


class ProgrammeMentorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgrammeMentor

    programme = factory.SubFactory(ProgrammeFactory)
    mentor = factory.SubFactory(MentorProfileFactory)


class RelationshipFactory(factory.django.DjangoModelFactory):
    """An active relationship (no chat room: the services make it)."""

    class Meta:
        model = Relationship

    programme = factory.SubFactory(ProgrammeFactory)
    mentor = factory.SubFactory(MentorProfileFactory)
    mentee = factory.SubFactory(MenteeProfileFactory)
    state = Relationship.State.ACTIVE
    started_at = factory.LazyFunction(timezone.now)


class AvailabilityRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilityRule

    mentor = factory.SubFactory(MentorProfileFactory)
    weekday = 1
    starts_at = "18:00"
    ends_at = "20:00"


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    relationship = factory.SubFactory(RelationshipFactory)
    mentor = factory.LazyAttribute(lambda o: o.relationship.mentor)
    mentee = factory.LazyAttribute(lambda o: o.relationship.mentee)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=1))
