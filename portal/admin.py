"""The admin for the portal's own user, and the audit trail of account changes.

Least privilege: a handläggare (not a superuser) sees only accounts that are neither staff nor
superuser, and may correct a name or an e-mail language there; nothing else. The e-mail address
(the login), the password, ``is_active``, ``is_staff``, groups and permissions are credentials or
rights: only superusers change them, and only superusers add, delete or even see staff accounts.
Contact persons are registered, invited and deactivated under *Kontaktpersoner* through the
audited services.

Audit: every change the admin makes to an account (add, change, password, delete, a second
factor reset by a superuser) is written to Django's admin log (``LogEntry``: who, when, which
account, which fields), which superusers read in the admin's log entries. Why ``LogEntry`` and
not the inventories' ``AuditEvent``: an account is neither an inventory nor a region
(``AuditEvent`` is one region's inventory history), the portal app may not import
``inventories`` (the dependency rule), and the admin writes ``LogEntry`` on every save through
a code path that the views below cannot bypass.
"""

from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal import services
from portal.admin_base import ReadOnlyModelAdmin, shorten
from portal.models import OutboxMessage, User, normalize_email_address

#: What a handläggare may change on a contact person's account: nothing that lets anyone sign in.
HANDLAGGARE_EDITABLE_FIELDS = ("full_name", "language")


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "language")

    def clean_email(self):
        email = normalize_email_address(self.cleaned_data["email"])
        if User.objects.filter(email=email).exists():
            raise self.instance.unique_error_message(User, ["email"])
        return email


class UserChangeFormWithEmail(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self):
        email = normalize_email_address(self.cleaned_data["email"])
        others = User.objects.filter(email=email).exclude(pk=self.instance.pk)
        if others.exists():
            raise self.instance.unique_error_message(User, ["email"])
        return email


def manages_account(request, obj) -> bool:
    """May ``request.user`` change ``obj`` at all? Staff and superuser accounts: superusers only."""
    if request.user.is_superuser:
        return True
    return obj is None or not (obj.is_staff or obj.is_superuser)


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

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not request.user.is_superuser:
            queryset = queryset.filter(is_staff=False, is_superuser=False)
        return queryset

    def get_list_filter(self, request):
        if request.user.is_superuser:
            return super().get_list_filter(request)
        return ["is_active", "language"]

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not request.user.is_superuser:
            # No password field at all: its widget links to the password form.
            return [
                (None, {"fields": ["email"]}),
                (_("Person"), {"fields": ["full_name", "language"]}),
                (_("Behörighet"), {"fields": ["is_active", "is_staff", "groups"]}),
                (_("Datum"), {"fields": ["last_login", "date_joined"]}),
            ]
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            editable = set(HANDLAGGARE_EDITABLE_FIELDS)
            for _name, options in self.get_fieldsets(request, obj):
                readonly += [f for f in options["fields"] if f not in editable]
            readonly += ["password", "is_superuser", "user_permissions"]
        return list(dict.fromkeys(readonly))

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and manages_account(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and manages_account(request, obj)

    def has_add_permission(self, request):
        """Only superusers create accounts; contact persons come through Kontaktpersoner."""
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    actions = ["second_factor_reset"]

    def has_second_factor_reset_permission(self, request):
        return request.user.is_superuser

    @admin.action(
        description=_("Återställ tvåstegsverifiering (borttappad telefon)"),
        permissions=["second_factor_reset"],
    )
    def second_factor_reset(self, request, queryset):
        """The chosen staff enrol a new app at their next sign-in; each reset is logged."""
        for user in queryset:
            services.second_factor_reset(user=user, actor=request.user)
        self.message_user(
            request,
            ngettext(
                "Tvåstegsverifieringen är återställd för %(count)d konto. Kontot aktiverar en "
                "ny app vid nästa inloggning.",
                "Tvåstegsverifieringen är återställd för %(count)d konton. Kontona aktiverar en "
                "ny app vid nästa inloggning.",
                len(queryset),
            )
            % {"count": len(queryset)},
            messages.SUCCESS,
        )

    def user_change_password(self, request, id, form_url=""):
        """Only a superuser sets another account's password (a handläggare never does)."""
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyModelAdmin):
    """The admin's own log: who changed which account (or other record), when, and which fields."""

    list_display = ["action_time", "user", "content_type", "object_repr", "action", "message"]
    list_filter = ["content_type", "action_flag"]
    search_fields = ["object_repr", "user__email", "change_message"]
    list_select_related = ["user", "content_type"]
    date_hierarchy = "action_time"
    fields = (
        "action_time",
        "user",
        "content_type",
        "object_id",
        "object_repr",
        "action",
        "message",
    )
    readonly_fields = fields

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_module_permission(self, request):
        return request.user.is_superuser

    @admin.display(description=_("åtgärd"), ordering="action_flag")
    def action(self, obj):
        return obj.get_action_flag_display()

    @admin.display(description=_("ändring"))
    def message(self, obj):
        return obj.get_change_message()


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
    fields = (
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
    )
    readonly_fields = fields

    @admin.display(description=_("senaste fel"))
    def problem(self, obj):
        return shorten(obj.last_error)
