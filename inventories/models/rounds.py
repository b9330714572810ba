"""A round of needs inventories: its own dates, start capital, reminder schedule and timeline."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DEFAULT_REMINDER_DAYS = [30, 14, 7, 3, 1]


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
    reminder_time = models.TimeField(_("klockslag för påminnelser"), default=datetime.time(8, 0))
    active = models.BooleanField(_("aktiv"), default=True)

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

    @property
    def is_open(self) -> bool:
        return self.opens_at <= timezone.now()

    @property
    def period_label(self) -> str:
        return f"{self.period_start.year}–{self.period_end.year}"


class Milestone(models.Model):
    """One stop on the round's timeline (tidsresan), shown to contact persons."""

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("omgång")
    )
    when = models.CharField(_("när"), max_length=100)
    what = models.CharField(_("vad"), max_length=300)
    position = models.PositiveSmallIntegerField(_("ordning"), default=0)

    class Meta:
        verbose_name = _("milstolpe")
        verbose_name_plural = _("tidsresan")
        ordering = ["round", "position"]

    def __str__(self):
        return f"{self.when}: {self.what}"
