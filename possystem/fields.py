"""Model fields more than one app declares the same way."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


def latitude_field(verbose_name) -> models.DecimalField:
    """Degrees north (negative: south), to the micro-degree (about 11 cm); empty when unknown."""
    return models.DecimalField(
        verbose_name,
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )


def longitude_field(verbose_name) -> models.DecimalField:
    """Degrees east (negative: west), to the micro-degree; empty when unknown."""
    return models.DecimalField(
        verbose_name,
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
