"""JSON shapes for notifications, notification settings and the calendar feed address."""

from __future__ import annotations

from rest_framework import serializers

from milepost.notify.models import Category, Notification


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "category",
            "title",
            "body",
            "url",
            "created_at",
            "read_at",
            "read",
            "updated_at",
        ]

    def get_read(self, n) -> bool:
        return n.read_at is not None


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class PreferencesSerializer(serializers.Serializer):
    """Per category: true = email and in-app, false = in-app only."""

    def get_fields(self):
        return {
            c: serializers.BooleanField(required=False, help_text=label)
            for c, label in Category.choices
        }


class CalendarTokenSerializer(serializers.Serializer):
    calendar_url = serializers.URLField()
