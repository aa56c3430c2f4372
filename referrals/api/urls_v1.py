"""The URLconf of /api/v1/, included by its dotted path so that deflection's root URLconf imports no app."""

from referrals.api.v1 import api

urlpatterns, _app_name, app_name = api.urls  # the namespace ("api-v1") names the URLs
