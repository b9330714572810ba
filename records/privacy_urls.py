"""The public privacy notice, included at the site root (it lists the retention periods)."""

from django.urls import path

from records import privacy_views

urlpatterns = [
    path("personuppgifter/", privacy_views.privacy_notice, name="privacy"),
]
