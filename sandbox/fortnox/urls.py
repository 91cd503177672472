"""Fortnox paths under /sandbox/fortnox/: `api.fortnox.se/3/…` -> `3/…`, `apps.fortnox.se/oauth-v1/…`
-> `oauth-v1/…`. A trailing slash is optional everywhere, as on the real API."""

from django.urls import re_path

from . import oauth_views, views

app_name = "sandbox_fortnox"

# Customer and article numbers may contain "." "+" and "/" (see validation.ARTICLE_NUMBER_CHARACTERS).
NUMBER = r"(?P<number>.+?)"

urlpatterns = [
    re_path(r"^oauth-v1/auth/?$", oauth_views.authorize, name="auth"),
    re_path(r"^oauth-v1/token/?$", oauth_views.token, name="token"),
    re_path(r"^oauth-v1/revoke/?$", oauth_views.revoke, name="revoke"),
    re_path(r"^3/customers/?$", views.customer_list, name="customers"),
    re_path(rf"^3/customers/{NUMBER}/?$", views.customer_detail, name="customer"),
    re_path(r"^3/invoices/?$", views.invoice_list, name="invoices"),
    re_path(
        r"^3/invoices/(?P<number>[^/]+)/(?P<action>bookkeep|cancel|credit|externalprint|warehouseready)/?$",
        views.invoice_action,
        name="invoice-action",
    ),
    re_path(r"^3/invoices/(?P<number>[^/]+)/?$", views.invoice_detail, name="invoice"),
    re_path(r"^3/articles/?$", views.article_list, name="articles"),
    re_path(rf"^3/articles/{NUMBER}/?$", views.article_detail, name="article"),
    re_path(r"^3/pricelists/?$", views.price_list_list, name="price-lists"),
    re_path(r"^3/pricelists/(?P<code>[^/]+)/?$", views.price_list_detail, name="price-list"),
    re_path(r"^3/prices/?$", views.price_create, name="prices"),
    re_path(rf"^3/prices/sublist/(?P<code>[^/]+)/{NUMBER}/?$", views.price_sublist, name="price-sublist"),
    # With and without the from-quantity (0 when left out). SIMULATED: an article number ending in
    # "/<digits>" is ambiguous; here the digits are read as the from-quantity.
    re_path(rf"^3/prices/(?P<code>[^/]+)/{NUMBER}/(?P<from_quantity>\d+(?:\.\d+)?)/?$", views.price_detail,
            name="price"),
    re_path(rf"^3/prices/(?P<code>[^/]+)/{NUMBER}/?$", views.price_detail, name="price-from-zero"),
    re_path(r"^3/currencies/?$", views.currency_list, name="currencies"),
    re_path(r"^3/currencies/(?P<code>[^/]+)/?$", views.currency_detail, name="currency"),
    re_path(r"^3/accounts/?$", views.account_list, name="accounts"),
    re_path(r"^3/accounts/(?P<number>[^/]+)/?$", views.account_detail, name="account"),
    re_path(r"^3/predefinedaccounts/?$", views.predefined_account_list, name="predefined-accounts"),
    re_path(r"^3/predefinedaccounts/(?P<name>[^/]+)/?$", views.predefined_account_detail,
            name="predefined-account"),
    re_path(r"^3/termsofpayments/?$", views.terms_of_payment_list, name="terms-of-payments"),
    re_path(r"^3/termsofpayments/(?P<code>[^/]+)/?$", views.terms_of_payment_detail, name="terms-of-payment"),
    re_path(r"^3/companyinformation/?$", views.company_information, name="company-information"),
    re_path(r"^3/settings/company/?$", views.company_settings, name="company-settings"),
]
