from rest_framework import serializers

from technicians.models import Technician


class TechnicianOut(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__")
    username = serializers.CharField(source="user.username")
    regions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    device_models = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    open_jobs = serializers.IntegerField()
    on_shift = serializers.BooleanField(help_text="At work right now, by the weekly shifts and leave days.")

    class Meta:
        model = Technician
        fields = ["id", "name", "username", "regions", "device_models", "capacity", "open_jobs", "on_shift"]


class TechnicianFilter(serializers.Serializer):
    region = serializers.SlugField(required=False, max_length=32)
    device_model = serializers.CharField(required=False, max_length=64)
    on_shift = serializers.BooleanField(required=False, allow_null=True, default=None)
