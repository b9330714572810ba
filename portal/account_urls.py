from django.contrib.auth import views as auth_views
from django.urls import path

from portal import views
from portal.forms import EmailAuthenticationForm, PortalPasswordChangeForm

urlpatterns = [
    path(
        "logga-in/",
        auth_views.LoginView.as_view(
            authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logga-ut/", auth_views.LogoutView.as_view(), name="logout"),
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
        auth_views.PasswordChangeView.as_view(form_class=PortalPasswordChangeForm),
        name="password_change",
    ),
    path(
        "losenord/byt/klart/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]
