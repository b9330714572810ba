from django.contrib.auth import views as auth_views
from django.urls import path

from portal import views
from portal.forms import EmailAuthenticationForm, PortalPasswordChangeForm
from portal.permissions import second_factor_required

urlpatterns = [
    path(
        "logga-in/",
        auth_views.LoginView.as_view(
            authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logga-ut/", auth_views.LogoutView.as_view(), name="logout"),
    path("tvastegsverifiering/", views.second_factor_verify, name="second_factor_verify"),
    path(
        "tvastegsverifiering/aktivera/",
        views.second_factor_enrol,
        name="second_factor_enrol",
    ),
    path(
        "tvastegsverifiering/reservkoder/",
        views.second_factor_backup_codes,
        name="second_factor_backup_codes",
    ),
    # "losenord/aterstall/" (password_reset) is in regions.account_urls: its form queues a reset
    # link or a new invitation (regions.services.account_access_request).
    path(
        "losenord/aterstall/skickat/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "losenord/aterstall/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "losenord/aterstall/klart/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "losenord/byt/",
        second_factor_required(
            auth_views.PasswordChangeView.as_view(form_class=PortalPasswordChangeForm)
        ),
        name="password_change",
    ),
    path(
        "losenord/byt/klart/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]
