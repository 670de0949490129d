"""The mentorship pages under /mentorship/, one module per area."""

from mentorship.views import (
    booking,
    cohorts,
    dashboard,
    interventions,
    matching,
    profiles,
    programmes,
    relationships,
    safeguarding,
)

app_name = "mentorship"

urlpatterns = [
    *programmes.urlpatterns,
    *dashboard.urlpatterns,
    *profiles.urlpatterns,
    *matching.urlpatterns,
    *booking.urlpatterns,
    *relationships.urlpatterns,
    *safeguarding.urlpatterns,
    *cohorts.urlpatterns,
    *interventions.urlpatterns,
]
