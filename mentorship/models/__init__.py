from mentorship.models.availability import (
    AvailabilityException,
    AvailabilityRule,
    Booking,
    Weekday,
)
from mentorship.models.cohorts import Attendance, CohortSession
from mentorship.models.interventions import InterventionNeed, Volunteer
from mentorship.models.profiles import Format, MenteeProfile, MentorProfile
from mentorship.models.programmes import MINOR_BANDS, AgeBand, Enrolment, Programme, ProgrammeMentor
from mentorship.models.relationships import (
    OPEN_STATES,
    EndSurvey,
    Milestone,
    Relationship,
    SessionFeedback,
    SessionNote,
)
from mentorship.models.safeguarding import (
    CONSENT_TEXT_VERSION,
    ConcernReport,
    ContactFlag,
    GuardianConsent,
)

__all__ = [
    "CONSENT_TEXT_VERSION",
    "MINOR_BANDS",
    "OPEN_STATES",
    "AgeBand",
    "Attendance",
    "AvailabilityException",
    "AvailabilityRule",
    "Booking",
    "CohortSession",
    "ConcernReport",
    "ContactFlag",
    "EndSurvey",
    "Enrolment",
    "Format",
    "GuardianConsent",
    "InterventionNeed",
    "MenteeProfile",
    "MentorProfile",
    "Milestone",
    "Programme",
    "ProgrammeMentor",
    "Relationship",
    "SessionFeedback",
    "SessionNote",
    "Volunteer",
    "Weekday",
]
