"""URLs of the end-to-end tests' site: the package's hooks, the admin, and
two test-only views for headless Chromium."""
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model, login
from django.http import HttpResponseForbidden, HttpResponseRedirect, JsonResponse
from django.urls import include, path, re_path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.static import serve


def e2e_login(request):
    """Log the superuser in and go to ?next=: only with the right token."""
    token = settings.E2E_LOGIN_TOKEN
    if not token or request.GET.get("token") != token:
        return HttpResponseForbidden("no")
    user = get_user_model().objects.get(username=request.GET.get("user", "admin"))
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    nxt = request.GET.get("next", "/admin/")
    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        nxt = "/admin/"
    return HttpResponseRedirect(nxt)


def e2e_admin_urls(request):
    """The changelist URL of every model in the admin, by model name."""
    if not settings.E2E_LOGIN_TOKEN or request.GET.get("token") != settings.E2E_LOGIN_TOKEN:
        return HttpResponseForbidden("no")
    out = {}
    for model in admin.site._registry:
        meta = model._meta
        out[model.__name__] = {
            "changelist": reverse("admin:%s_%s_changelist" % (meta.app_label, meta.model_name)),
            "change": reverse("admin:%s_%s_change" % (meta.app_label, meta.model_name),
                              args=[0]).replace("/0/", "/{pk}/"),
        }
    return JsonResponse(out)


urlpatterns = [
    path("hooks/", include("pgwebhook.django.urls")),
    path("admin/", admin.site.urls),
    path("e2e/login/", e2e_login),
    path("e2e/admin-urls/", e2e_admin_urls),
    re_path(r"^static/(?P<path>.*)$", serve, {"document_root": settings.STATIC_ROOT}),
]
