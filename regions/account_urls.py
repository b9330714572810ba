"""The "I cannot get in" page under /konto/: it knows contact persons, so it lives here."""

from django.contrib.auth import views as auth_views
from django.urls import path

from regions.forms import AccessRequestForm

urlpatterns = [
    # The form sends the e-mail itself (regions.services.account_access_request): a reset link
    # (templates/emails/password_reset.*) to a user with a password, a new invitation to a
    # contact person who has not chosen one yet.
    path(
        "losenord/aterstall/",
        auth_views.PasswordResetView.as_view(form_class=AccessRequestForm),
        name="password_reset",
    ),
]
