"""/accounts/ (invitations; allauth serves the rest), /get-started/ (the wizard), /app/ (self-service)."""

from django.urls import path

from . import account_views, app_views, log_views, wizard_steps, wizard_views

app_name = "onboarding"

urlpatterns = [
    path("accounts/invitation/<str:token>/", account_views.accept_invitation, name="accept-invitation"),
    path("accounts/new-shop/", account_views.staff_new_shop, name="staff-new-shop"),
    path("get-started/", wizard_views.start, name="wizard"),
    path("get-started/centra/", wizard_views.centra, name="wizard-centra"),
    path("get-started/erp/", wizard_views.erp, name="wizard-erp"),
    path("get-started/erp/connect/", wizard_views.erp_connect, name="wizard-erp-connect"),
    path("get-started/erp/callback/", wizard_views.erp_callback, name="wizard-erp-callback"),
    path("get-started/prepare/", wizard_steps.prepare_step, name="wizard-prepare"),
    path("get-started/markets/", wizard_steps.markets_step, name="wizard-markets"),
    path("get-started/flows/", wizard_steps.flows_step, name="wizard-flows"),
    path("get-started/bookkeeping/", wizard_steps.bookkeeping_step, name="wizard-bookkeeping"),
    path("get-started/test/", wizard_steps.test_step, name="wizard-test"),
    path("get-started/test/progress/", wizard_steps.test_progress, name="wizard-test-progress"),
    path("get-started/test/again/", wizard_steps.test_again, name="wizard-test-again"),
    path("get-started/go-live/", wizard_steps.golive_step, name="wizard-golive"),
    path("app/", app_views.home, name="home"),
    path("app/flows/<int:flow_id>/enabled/", app_views.flow_enabled, name="flow-enabled"),
    path("app/integrations/<int:integration_id>/export/", app_views.export, name="export"),
    path("app/connections/<int:connection_id>/", app_views.connection, name="connection"),
    path("app/connections/<int:connection_id>/check/", app_views.connection_check, name="connection-check"),
    path("app/connections/<int:connection_id>/reconnect/", app_views.reconnect_start, name="reconnect"),
    path("app/reconnect/callback/", app_views.reconnect_callback, name="reconnect-callback"),
    path("app/log/", log_views.log, name="log"),
    path("app/log/retry/", log_views.retry_all, name="retry-all"),
    path("app/records/<int:record_id>/", log_views.record, name="record"),
    path("app/records/<int:record_id>/retry/", log_views.retry_record, name="record-retry"),
    path("app/records/<int:record_id>/resolve/", log_views.resolve_record, name="record-resolve"),
    path("app/alerts/", log_views.alerts, name="alerts"),
    path("app/alerts/<int:alert_id>/", log_views.alert, name="alert"),
    path("app/settings/", account_views.settings_page, name="settings"),
    path("app/settings/save/", account_views.save_settings, name="settings-save"),
    path("app/settings/invite/", account_views.invite, name="invite"),
]
