"""Token endpoints: obtain (replaces an expired token) and revoke."""
from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .services import password_change_required
from .tokens import token_issue, token_revoke


class TokenObtainView(ObtainAuthToken):
    """POST username + password → a token valid for API_TOKEN_TTL_SECONDS."""

    @extend_schema(
        # What a client sends (DRF's AuthTokenSerializer also lists its read-only `token`, which generated
        # clients then required in the request).
        # One media type: several (JSON, form, multipart) made openapi-python-client emit a body union it
        # could not import; the view still accepts all three.
        request={"application/json": inline_serializer("TokenRequest", {
            "username": serializers.CharField(), "password": serializers.CharField(style={"input_type": "password"})})},
        responses={200: inline_serializer("TokenResponse", {
            "token": serializers.CharField(), "expires_in": serializers.IntegerField()})},
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if not settings.DEMO and password_change_required(user):
            return Response({"detail": _("请先修改初始密码。")}, status=status.HTTP_403_FORBIDDEN)
        token = token_issue(user=user)
        return Response({"token": token.key, "expires_in": settings.API_TOKEN_TTL_SECONDS})


class TokenRevokeView(APIView):
    """POST → the caller's token stops working at once (logout for API clients)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


obtain_token = TokenObtainView.as_view()
revoke_token = TokenRevokeView.as_view()
