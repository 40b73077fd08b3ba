"""The floor: a webhook view that does no work (no signature, no database).

It reads the body and the headers as the other two do and answers
{"outcome": "applied"}, so its requests per second are what HTTP, gunicorn
and Django's request handling allow on this machine by themselves.
"""
from django.http import HttpResponseNotAllowed, JsonResponse
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def webhook(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.body or "Stripe-Signature" not in request.headers:
        return JsonResponse({"outcome": "missing_header"}, status=400)
    return JsonResponse({"outcome": "applied"})
