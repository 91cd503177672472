"""Fortnox error envelopes and codes.

Real traffic shows two casings: 400s use `error/message/code`, 404s use `Error/Message/Code`
(fortnox.md §3.1). Codes marked SIMULATED were never seen in a Fortnox source; they sit in the
2099xxx range so nobody mistakes them for real ones.
"""

from django.http import JsonResponse

# Real codes (fortnox.md §3.3).
INVALID_RESPONSE_TYPE = 1000030
INVALID_CONTENT_TYPE = 1000031
INVALID_CHARACTERS = 2000359
ACCOUNT_NOT_FOUND_404 = 2000423
ARTICLE_NOT_FOUND = 2000428
TERMS_OF_PAYMENT_NOT_FOUND = 2000429
CUSTOMER_NOT_FOUND = 2000433
INVOICE_NOT_FOUND = 2000434
NOT_NUMERIC = 2000108
NOT_BOOLEAN = 2000134
INVALID_FILTER = 2000587
INVALID_PARAMETER = 2000588
CUSTOMER_NUMBER_USED = 2000637
NO_SCOPE = 2000663
ACCOUNT_NOT_FOUND = 2001304
WRONG_DATA = 2001392
UNKNOWN_FIELD = 2001399
BAD_JSON = 2002115

# SIMULATED codes: Fortnox's real ones are unknown.
CURRENCY_NOT_FOUND = 2099001
TOO_MANY_ROWS = 2099002
FIELD_TOO_LONG = 2099003
FIELD_REQUIRED = 2099004
DOCUMENT_LOCKED = 2099005
INVALID_VALUE = 2099006
ARTICLE_NUMBER_USED = 2099007
DOCUMENT_NUMBER_USED = 2099008
CURRENCY_NOT_FOUND_404 = 2099009
PREDEFINED_ACCOUNT_NOT_FOUND_404 = 2099010
PRICE_LIST_NOT_FOUND_404 = 2099011
PRICE_NOT_FOUND_404 = 2099012
PRICE_EXISTS = 2099013
PRICE_LIST_CODE_USED = 2099014

MAX_INVOICE_ROWS = 500


class FortnoxError(Exception):
    """A refusal that becomes an ErrorInformation response; raised anywhere below the views."""

    def __init__(self, code: int, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def response(self) -> JsonResponse:
        if self.status == 404:
            body = {"Error": 1, "Message": self.message, "Code": self.code}
        else:
            body = {"error": 1, "message": self.message, "code": self.code}
        return JsonResponse({"ErrorInformation": body}, status=self.status)


class NotFound(FortnoxError):
    def __init__(self, code: int, message: str):
        super().__init__(code, message, status=404)


def customer_not_found() -> NotFound:
    return NotFound(CUSTOMER_NOT_FOUND, "Kan inte hitta kunden.")


def invoice_not_found() -> NotFound:
    return NotFound(INVOICE_NOT_FOUND, "Kan inte hitta fakturan.")


def article_not_found() -> NotFound:
    return NotFound(ARTICLE_NOT_FOUND, "Kan inte hitta artikeln.")


def too_long(field: str, limit: int) -> FortnoxError:
    return FortnoxError(FIELD_TOO_LONG, f"Fältet {field} får innehålla högst {limit} tecken.")


def required(field: str) -> FortnoxError:
    return FortnoxError(FIELD_REQUIRED, f"Fältet {field} är obligatoriskt.")


def invalid_value(field: str, value) -> FortnoxError:
    return FortnoxError(INVALID_VALUE, f"Ogiltigt värde för fältet {field} ({value}).")


def invalid_parameter() -> FortnoxError:
    return FortnoxError(INVALID_PARAMETER, "Ogiltig parameter i anropet.")


def account_not_found(number) -> FortnoxError:
    return FortnoxError(ACCOUNT_NOT_FOUND, f"Kunde inte hitta konto ({number})")


def unauthorized() -> JsonResponse:
    return JsonResponse({"message": "unauthorized"}, status=401)


def method_not_allowed(allowed) -> JsonResponse:
    """SIMULATED: Fortnox's answer to a wrong method was never recorded."""
    response = JsonResponse({"message": "method not allowed"}, status=405)
    response["Allow"] = ", ".join(allowed)
    return response
