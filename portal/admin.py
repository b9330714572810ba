"""The admin for the portal's own user, and the admin site's Swedish titles."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from portal.admin_base import ReadOnlyModelAdmin, shorten
from portal.models import OutboxMessage, User


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "language")

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise self.instance.unique_error_message(User, ["email"])
        return email


class UserChangeFormWithEmail(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        others = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if others.exists():
            raise self.instance.unique_error_message(User, ["email"])
        return email


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Users: staff and contact persons. Register contact persons under Kontaktpersoner."""

    form = UserChangeFormWithEmail
    add_form = UserCreationForm
    list_display = ["email", "full_name", "language", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_active", "is_superuser", "groups", "language"]
    search_fields = ["email", "full_name"]
    ordering = ["full_name", "email"]
    filter_horizontal = ["groups", "user_permissions"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name", "language"]}),
        (
            _("Behörighet"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Datum"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "email",
                    "full_name",
                    "language",
                    "usable_password",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        """Only a superuser hands out superuser status or single permissions."""
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions"]
        return readonly


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyModelAdmin):
    """Every official e-mail, one row per recipient: what left, what waits and why."""

    list_display = [
        "created_at",
        "kind",
        "to",
        "subject",
        "status",
        "attempts",
        "sent_at",
        "problem",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["to", "subject", "group", "message_id"]
    ordering = ["-created_at", "-id"]
    fields = [
        "kind",
        "group",
        "to",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
        "message_id",
        "attachment_name",
        "attachment_sha256",
    ]
    readonly_fields = fields

    @admin.display(description=_("senaste fel"))
    def problem(self, obj):
        return shorten(obj.last_error)
