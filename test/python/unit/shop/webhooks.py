"""The shop's outbox handlers, found by pgwebhook.django's autodiscovery."""

import pgwebhook.django

from .models import Fulfilment


@pgwebhook.django.on("payment.*")
def fulfil(message):
    """Record a fulfilment; refuse payments whose reference starts with FAIL (after writing)."""
    reference = message.payload["payment"]["reference"]
    Fulfilment.objects.using(message.connection.alias).create(
        msg_id=message.id, topic=message.topic, reference=reference)
    if reference.startswith("FAIL"):
        raise RuntimeError("cannot fulfil " + reference)
