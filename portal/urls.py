from django.contrib import admin
from django.urls import include, path

from portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Before staff.urls: its "omgang/<round>/<region>/" would take "omgang/<round>/arkivpaket/".
    path("handlaggare/", include("records.urls")),
    path("handlaggare/", include("staff.urls")),
    path("tillganglighet/", views.accessibility_statement, name="accessibility"),
    # The privacy notice lists the retention plans' periods: it lives with them in records.
    path("", include("records.privacy_urls")),
    path("session/forlang/", views.session_extend, name="session_extend"),
    path("i18n/setlang/", views.language_set, name="set_language"),
    path("konto/", include("portal.account_urls")),
    path("konto/", include("regions.account_urls")),
    path("", include("regions.urls")),
    path("", include("inventories.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
