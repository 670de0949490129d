from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from community.views import health

urlpatterns = [
    path("health/", health, name="health"),
    path("django-admin/", admin.site.urls),
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("forum/", include("forum.urls")),
    path("chat/", include("forum.chat.urls")),
    path("events/", include("events.urls")),
    path("library/", include("community.library.urls")),
    path("mentorship/", include("mentorship.urls")),
    path("", include("community.urls")),
]

if settings.DEBUG:
    # In production the reverse proxy serves /media/ (see deploy/).
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns.append(path("", include(wagtail_urls)))
