"""Every side answers POST /hooks/stripe/."""
from django.conf import settings
from django.urls import include, path

if settings.SIDE == "package":
    urlpatterns = [path("hooks/", include("pgwebhook.django.urls"))]
elif settings.SIDE == "conventional":
    from conventional import views
    urlpatterns = [path("hooks/stripe/", views.stripe_webhook)]
else:
    from benchsite import floor
    urlpatterns = [path("hooks/stripe/", floor.webhook)]
