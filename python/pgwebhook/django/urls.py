"""URLconf: include it under a prefix, path("hooks/", include("pgwebhook.django.urls")).

hooks/<provider>/ is the endpoint; hooks/<provider> (no slash) is served too,
since APPEND_SLASH would answer it with a redirect that providers do not
follow for a POST.
"""

from django.urls import path

from . import views

app_name = "pgwebhook"

urlpatterns = [
    path("<str:provider>/", views.ingest, name="ingest"),
    path("<str:provider>", views.ingest, name="ingest-no-slash"),
]
