"""The shop's own table: what its outbox handler does."""

from django.db import models


class Fulfilment(models.Model):
    """One fulfilment per outbox message handled."""

    msg_id = models.BigIntegerField()
    topic = models.CharField(max_length=100)
    reference = models.CharField(max_length=100)
