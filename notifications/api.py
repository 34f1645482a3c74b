"""REST API for the caller's own notifications: list, unread count, mark one read, mark all read.

The same selectors and services as the notifications page and the websocket: a user only ever reads or
marks their own (another user's id answers 404, not 403: no existence leak), and every open tab hears
the new unread count after a mark.
"""
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_pagination import KeysetPage

from . import selectors, services
from .models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="display_title", read_only=True,
                                  help_text="按请求的语言呈现 / rendered in the request's language")
    body = serializers.CharField(source="display_body", read_only=True)
    read = serializers.SerializerMethodField()
    done = serializers.SerializerMethodField(help_text="所提示的事项已办结 / the step it asked for is done")

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "created_at", "read", "read_at", "done", "done_at"]

    def get_read(self, note) -> bool:
        return note.read_at is not None

    def get_done(self, note) -> bool:
        return note.done_at is not None


class UnreadSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class MarkedSerializer(UnreadSerializer):
    marked = serializers.IntegerField(help_text="本次标为已读的条数（已读的不重复计） / newly marked")


STATE = OpenApiParameter("state", enum=list(selectors.STATES), default="all",
                         description="all / unread / read；未知值按 all")


class NotificationList(generics.ListAPIView):
    """My notifications, newest first."""

    serializer_class = NotificationSerializer
    pagination_class = KeysetPage
    filter_backends = []  # `state` is the one filter, read by the selector

    @extend_schema(parameters=[STATE], operation_id="notifications_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        state = self.request.query_params.get("state", "all")
        return selectors.notifications_for(self.request.user, state=state if state in selectors.STATES else "all")


class UnreadCount(APIView):
    @extend_schema(responses={200: UnreadSerializer}, operation_id="notifications_unread_count")
    def get(self, request):
        return Response({"unread": services.unread_count(request.user)})


class MarkRead(APIView):
    @extend_schema(request=None, responses={200: NotificationSerializer, 404: OpenApiResponse(
        description="不存在或不是我的 / not yours")}, operation_id="notifications_mark_read")
    def post(self, request, pk):
        note = selectors.get_notification_for_user(request.user, pk)
        services.mark_read(user=request.user, ids=[note.pk])
        note.refresh_from_db()
        return Response(NotificationSerializer(note).data)


class MarkAllRead(APIView):
    @extend_schema(request=None, responses={200: MarkedSerializer}, operation_id="notifications_mark_all_read")
    def post(self, request):
        marked = services.mark_read(user=request.user)
        return Response({"marked": marked, "unread": services.unread_count(request.user)})


urlpatterns = [
    path("notifications/", NotificationList.as_view(), name="api-notifications"),
    path("notifications/unread-count/", UnreadCount.as_view(), name="api-notifications-unread-count"),
    path("notifications/<int:pk>/read/", MarkRead.as_view(), name="api-notification-read"),
    path("notifications/mark-all-read/", MarkAllRead.as_view(), name="api-notifications-mark-all-read"),
]
