"""URLs of the test project: the admin and the webhook endpoint."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("hooks/", include("pgwebhook.django.urls")),
]
