"""Contact persons in the admin: register, invite again, deactivate, reactivate.

A contact person the retention plan anonymised is never reactivated or invited again: the
services refuse, and the action shows their message.

Each action calls the same audited service as the staff area (``staff.services``), so a change
made here has its entry in the region's audit history like one made at /handlaggare/.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from regions.forms import ContactPersonRegisterForm
from regions.models import ContactPerson, Invitation
from staff import services


class InvitationInline(admin.TabularInline):
    model = Invitation
    fk_name = "contact_person"
    extra = 0
    can_delete = False
    fields = (
        "created_at",
        "status_display",
        "expires_at",
        "sent_at",
        "send_attempts",
        "last_error",
    )
    readonly_fields = fields
    ordering = ["-created_at"]
    verbose_name_plural = _("inbjudningar")

    @admin.display(description=_("läge"))
    def status_display(self, obj):
        return obj.status.label

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ContactPerson)
class ContactPersonAdmin(admin.ModelAdmin):
    add_form = ContactPersonRegisterForm
    list_display = [
        "full_name",
        "email",
        "region",
        "role",
        "active",
        "invitation_state",
    ]
    list_filter = ["region", "role", "active"]
    search_fields = ["user__full_name", "user__email", "region__name", "region__code"]
    list_select_related = ["user", "region"]
    ordering = ["region__code", "role", "user__full_name"]
    actions = ["send_new_invitation", "deactivate", "reactivate"]
    inlines = [InvitationInline]
    readonly_fields = ["user", "region", "role", "active", "created_at"]
    fieldsets = [(None, {"fields": ["user", "region", "role", "active", "created_at"]})]
    add_fieldsets = [(None, {"fields": ["full_name", "email", "region", "role"]})]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("user", "region")
            .prefetch_related(
                Prefetch("invitations", queryset=Invitation.objects.order_by("-created_at"))
            )
        )

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else super().get_readonly_fields(request, obj)

    def get_inlines(self, request, obj):
        return [] if obj is None else super().get_inlines(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:  # every field is read-only on change: changes are the actions' services
            return
        created = services.region_contact_register(
            full_name=form.cleaned_data["full_name"],
            email=form.cleaned_data["email"],
            region=form.cleaned_data["region"],
            role=form.cleaned_data["role"],
            actor=request.user,
        )
        # The admin logs and redirects to ``obj``: make it the row the service created.
        obj.pk = created.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request,
            _("En inbjudan skickas till %(email)s.") % {"email": obj.user.email},
            messages.SUCCESS,
        )
        return super().response_add(request, obj, post_url_continue)

    @admin.display(description=_("namn"), ordering="user__full_name")
    def full_name(self, obj):
        return obj.user.full_name

    @admin.display(description=_("e-postadress"), ordering="user__email")
    def email(self, obj):
        return obj.user.email

    @admin.display(description=_("inbjudan"))
    def invitation_state(self, obj):
        if obj.is_anonymised:
            return _("Anonymiserad: kan inte bjudas in eller återaktiveras")
        if obj.user.has_usable_password():
            return _("Har valt lösenord")
        invitations = list(obj.invitations.all())
        if not invitations:
            return _("Ingen inbjudan")
        return invitations[0].status.label

    def _run(self, request, queryset, action, done_message):
        done = 0
        for contact_person in queryset.select_related("user"):
            try:
                action(contact_person)
            except ValidationError as exc:
                for message in exc.messages:
                    self.message_user(request, message, messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)

    @admin.action(description=_("Skicka ny inbjudan"), permissions=["change"])
    def send_new_invitation(self, request, queryset):
        def action(contact_person):
            services.region_contact_invite(contact_person=contact_person, actor=request.user)
            self.log_change(request, contact_person, gettext("Ny inbjudan skickad."))

        self._run(
            request,
            queryset,
            action,
            lambda n: (
                ngettext(
                    "En ny inbjudan skickas till %(count)d kontaktperson. "
                    "Äldre länkar slutar gälla.",
                    "Nya inbjudningar skickas till %(count)d kontaktpersoner. "
                    "Äldre länkar slutar gälla.",
                    n,
                )
                % {"count": n}
            ),
        )

    @admin.action(description=_("Inaktivera"), permissions=["change"])
    def deactivate(self, request, queryset):
        def action(contact_person):
            services.region_contact_deactivate(contact_person=contact_person, actor=request.user)
            self.log_change(request, contact_person, gettext("Inaktiverad."))

        self._run(
            request,
            queryset,
            action,
            lambda n: (
                ngettext(
                    "%(count)d kontaktperson är inaktiverad.",
                    "%(count)d kontaktpersoner är inaktiverade.",
                    n,
                )
                % {"count": n}
            ),
        )

    @admin.action(description=_("Återaktivera"), permissions=["change"])
    def reactivate(self, request, queryset):
        def action(contact_person):
            services.region_contact_reactivate(contact_person=contact_person, actor=request.user)
            self.log_change(request, contact_person, gettext("Återaktiverad."))

        self._run(
            request,
            queryset,
            action,
            lambda n: (
                ngettext(
                    "%(count)d kontaktperson är aktiv igen.",
                    "%(count)d kontaktpersoner är aktiva igen.",
                    n,
                )
                % {"count": n}
            ),
        )
