"""A round of needs inventories: its own dates, start capital, reminder schedule and timeline."""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DEFAULT_REMINDER_DAYS = [30, 14, 7, 3, 1]
DEFAULT_DESIRED_END_STATE = (
    "Stärkt arbete med hållbar utveckling som helhet inom det regionala tillväxtarbetet"
)


def default_reminder_time() -> datetime.time:
    """08:00 Stockholm time. A callable: Django's check W161 takes a fixed time for a mistake
    whenever it runs within seconds of that time of day (and ``check --deploy`` then fails)."""
    return datetime.time(8, 0)


def default_reminder_days():
    return list(DEFAULT_REMINDER_DAYS)


class Round(models.Model):
    name = models.CharField(_("namn"), max_length=200, unique=True)
    slug = models.SlugField(_("kortnamn"), max_length=50, unique=True)
    programme = models.CharField(
        _("program"), max_length=200, default="Hållbar regional utveckling"
    )
    opens_at = models.DateTimeField(_("öppnar"))
    deadline = models.DateTimeField(_("sista dag för inlämning"))
    start_capital = models.PositiveIntegerField(_("startkapital (kr)"))
    period_start = models.DateField(_("programperiodens början"))
    period_end = models.DateField(_("programperiodens slut"))
    reminder_days = models.JSONField(
        _("påminnelser (dagar före sista dag)"),
        default=default_reminder_days,
        blank=True,
        help_text=_("Till exempel [30, 14, 7, 3, 1]."),
    )
    reminder_time = models.TimeField(_("klockslag för påminnelser"), default=default_reminder_time)
    active = models.BooleanField(_("aktiv"), default=True)
    programme_funds = models.PositiveBigIntegerField(
        _("programmets medel (kr)"),
        null=True,
        blank=True,
        help_text=_("Det som programmet avsätter för hela programperioden, t.ex. 89 000 000."),
    )
    desired_end_state = models.TextField(
        _("önskat sluttillstånd"), default=DEFAULT_DESIRED_END_STATE, blank=True
    )
    about = models.TextField(
        _("om uppdraget"),
        blank=True,
        help_text=_(
            "Inledande text på sidan Om uppdraget. Tomma rader skiljer stycken. Lämna tomt för "
            "portalens standardtext."
        ),
    )
    next_steps = models.TextField(
        _("det här händer sedan"),
        blank=True,
        help_text=_(
            "Visas på kvittot efter inlämning. Tomma rader skiljer stycken. Lämna tomt för "
            "portalens standardtext."
        ),
    )

    registration_prefix = models.CharField(
        _("diarienummer: prefix"),
        max_length=40,
        blank=True,
        help_text=_(
            "Diarienumret är prefixet följt av löpnumret med nollor framför, "
            "t.ex. prefixet ”Ä 2019-” och fyra siffror ger Ä 2019-0001."
        ),
    )
    registration_digits = models.PositiveSmallIntegerField(
        _("diarienummer: antal siffror"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    registration_next = models.PositiveIntegerField(
        _("diarienummer: nästa löpnummer"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("Ges vid nästa första inlämning och räknas sedan upp ett steg i taget."),
    )

    class Meta:
        verbose_name = _("omgång")
        verbose_name_plural = _("omgångar")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deadline__gt=models.F("opens_at")),
                name="round_deadline_after_opening",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="round_period_ordered",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        days = self.reminder_days or []
        if not isinstance(days, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and 0 < d <= 365 for d in days
        ):
            raise ValidationError(
                {"reminder_days": _("Ange en lista med heltal mellan 1 och 365, t.ex. [30, 7, 1].")}
            )

    def registration_number_format(self, counter: int) -> str:
        """The registration number (diarienummer) with the sequence number ``counter``."""
        return f"{self.registration_prefix}{counter:0{self.registration_digits}d}"

    @property
    def is_open(self) -> bool:
        return self.opens_at <= timezone.now()

    @property
    def period_label(self) -> str:
        return f"{self.period_start.year}–{self.period_end.year}"

    @property
    def years(self) -> list[int]:
        """The calendar years of the programme period, e.g. ``[2020, 2021, 2022]``."""
        return list(range(self.period_start.year, self.period_end.year + 1))


class Milestone(models.Model):
    """One stop on the round's timeline (tidsresan), shown to contact persons."""

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("omgång")
    )
    when = models.CharField(_("när"), max_length=100)
    what = models.CharField(_("vad"), max_length=300)
    position = models.PositiveSmallIntegerField(_("ordning"), default=0)
    starts_on = models.DateField(
        _("från och med"),
        null=True,
        blank=True,
        help_text=_("Första dagen (för en månad: den första). Ordnar tidsresan."),
    )
    ends_on = models.DateField(
        _("till och med"), null=True, blank=True, help_text=_("Tomt: samma dag som början.")
    )

    class Meta:
        verbose_name = _("milstolpe")
        verbose_name_plural = _("tidsresan")
        ordering = ["round", "starts_on", "position"]

    def __str__(self):
        return f"{self.when}: {self.what}"

    def state_on(self, day) -> str:
        """``past``, ``now`` or ``future`` on ``day`` (``""`` without dates)."""
        if self.starts_on is None:
            return ""
        last = self.ends_on or self.starts_on
        if last < day:
            return "past"
        if self.starts_on <= day:
            return "now"
        return "future"


class FieldGuidance(models.Model):
    """A round's own help text and example for one field of the form (defaults in code)."""

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="field_guidance", verbose_name=_("omgång")
    )
    field = models.CharField(_("fält"), max_length=80)
    help_text = models.TextField(_("hjälptext"), blank=True)
    example = models.TextField(_("exempel"), blank=True)

    class Meta:
        verbose_name = _("hjälptext")
        verbose_name_plural = _("hjälptexter")
        ordering = ["round", "field"]
        constraints = [
            models.UniqueConstraint(fields=["round", "field"], name="one_guidance_per_field"),
        ]

    def __str__(self):
        return self.field
