"""`Authorization: Bearer <key>`: a partner's API key. The caller acts as the key's partner (what it
sees) and as the person who made the key (whom the audit trail names)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from ..services.api_keys import authenticate


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the key as 'Authorization: Bearer <key>', one key, no spaces.")
        try:
            key = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("An API key is plain ASCII text.") from None
        api_key = authenticate(key)
        if api_key is None:
            raise exceptions.AuthenticationFailed(
                "This API key is unknown, revoked or expired: make a new one in the console or with POST /api/v1/keys/."
            )
        return api_key.created_by, api_key

    def authenticate_header(self, request):
        return self.keyword


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A partner API key: `jp_<prefix>_<secret>`."}
