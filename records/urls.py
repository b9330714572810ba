"""Records management for staff, included under /handlaggare/ (namespace ``records``)."""

from django.urls import path

from records import views

app_name = "records"

round_prefix = "omgang/<slug:round_slug>/arkivpaket/"

urlpatterns = [
    path(round_prefix, views.archival_packages, name="archival_packages"),
    path(
        round_prefix + "<int:pk>/ladda-ned/",
        views.archival_package_download,
        name="archival_package_download",
    ),
]
