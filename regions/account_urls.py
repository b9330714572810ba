"""The account page that the regions app answers, under /konto/ beside portal.account_urls.

"Glömt lösenordet?" queues a reset link (templates/emails/password_reset.*) for a user with a
password and a new invitation for a contact person who has not chosen one yet
(``regions.services.account_access_request``); the answer is always the same.
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from regions.forms import InvitationRequestForm

urlpatterns = [
    path(
        "losenord/aterstall/",
        auth_views.PasswordResetView.as_view(form_class=InvitationRequestForm),
        name="password_reset",
    ),
]
