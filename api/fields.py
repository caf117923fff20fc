"""Serializer fields of the API platform."""

import datetime

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class DateTimeField(serializers.DateTimeField):
    """DRF's, refusing with a field error the moments that have no equivalent in UTC (0001-01-01
    in Asia/Shanghai, 9999-12-31 with a western offset): DRF itself fails on them with an
    OverflowError, and the database compares every moment in UTC."""

    default_error_messages = {
        **serializers.DateTimeField.default_error_messages,
        "out_of_range": _("This moment is outside the range the service can handle."),
    }

    def to_internal_value(self, value):
        try:
            moment = super().to_internal_value(value)
            moment.astimezone(datetime.UTC)
        except OverflowError:
            self.fail("out_of_range")
        return moment
