"""One region's inventory in one round, and its three parts.

Del 1 – Nuläge: ``CurrentState`` and its ``BudgetLine`` rows.
Del 2 – Insatser: ``Intervention`` rows.
Del 3 – Börläge, mål och effekter: ``TargetState`` and its ``Goal`` rows.

Every editable record carries a ``revision`` counter for the optimistic check that stops a later
save from silently overwriting an earlier one.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: Longest answer accepted in a free-text field (about ten pages of text).
LONG_TEXT_MAX = 10_000
SHORT_TEXT_MAX = 200


class ActivityArea(models.TextChoices):
    RESEARCH = "research", _("Sprida forskning")
    FUNDS = "funds", _("Utlysning av medel")
    METHODS = "methods", _("Utveckla metoder och verktyg")
    COLLABORATION = (
        "collaboration",
        _("Ökad samverkan och erfarenhetsutbyte mellan olika regionala aktörer"),
    )
    ADMINISTRATION = (
        "administration",
        _(
            "Utveckla handläggningen av projektmedel, regionala företagsstöd "
            "och kommersiell service"
        ),
    )


class Dimension(models.TextChoices):
    ECONOMIC = "economic", _("Ekonomisk hållbarhet")
    SOCIAL = "social", _("Social hållbarhet")
    ENVIRONMENTAL = "environmental", _("Miljömässig hållbarhet")


class Effect(models.TextChoices):
    """The programme's four long-term effects (effekter på lång sikt)."""

    BUSINESS = "business", _("Mer diversifierat och omställningsbenäget näringsliv")
    SUSTAINABILITY = "sustainability", _("Ekonomisk, social och miljömässig hållbarhet i regioner")
    TRUST = "trust", _("Ökad tillit")
    LEADERSHIP = "leadership", _("Starkare regionalt ledarskap")


class Priority(models.TextChoices):
    HIGH = "high", _("Hög")
    MEDIUM = "medium", _("Medel")
    LOW = "low", _("Låg")


class FollowUp(models.TextChoices):
    """The grounds of the intersectional perspective an indicator is broken down by."""

    GENDER = "gender", _("Kön")
    AGE = "age", _("Ålder")
    BACKGROUND = "background", _("Utländsk bakgrund")


def choice_labels(values, choices) -> list[str]:
    """The labels of stored choice values, in the stored order (unknown values as they are)."""
    labels = dict(choices.choices)
    return [str(labels.get(value, value)) for value in values or []]


class Inventory(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Utkast")
        SUBMITTED = "submitted", _("Inskickad")
        RETURNED = "returned", _("Återsänd för komplettering")
        ACCEPTED = "accepted", _("Godkänd")

    EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED)

    round = models.ForeignKey(
        "inventories.Round",
        on_delete=models.PROTECT,
        related_name="inventories",
        verbose_name=_("omgång"),
    )
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="inventories",
        verbose_name=_("region"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    created_at = models.DateTimeField(_("påbörjad"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("påbörjad av"),
    )
    updated_at = models.DateTimeField(_("senast ändrad"), default=timezone.now)
    #: Counts every saved change to the parts (texts, budget, interventions, goals, their order):
    #: the key of what the pages cache of the parts (``inventories.fragments``).
    revision = models.PositiveIntegerField(default=0, editable=False)
    submitted_at = models.DateTimeField(_("inskickad"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("godkänd"), null=True, blank=True)
    returned_at = models.DateTimeField(_("återsänd"), null=True, blank=True)
    return_message = models.TextField(_("meddelande vid återsändning"), blank=True)
    deadline_override = models.DateTimeField(
        _("förlängd sista dag"),
        null=True,
        blank=True,
        help_text=_("Lämna tomt för omgångens sista dag."),
    )
    deadline_override_reason = models.TextField(_("skäl för förlängning"), blank=True)
    registration_number = models.CharField(
        _("diarienummer"),
        max_length=60,
        blank=True,
        help_text=_("Ges vid första inlämningen, eller anges av handläggare före den."),
    )

    class Meta:
        verbose_name = _("behovsinventering")
        verbose_name_plural = _("behovsinventeringar")
        ordering = ["round", "region__code"]
        constraints = [
            models.UniqueConstraint(fields=["round", "region"], name="one_inventory_per_region"),
            models.UniqueConstraint(
                fields=["round", "registration_number"],
                condition=~models.Q(registration_number=""),
                name="registration_number_unique",
            ),
        ]

    #: Set on an instance by the selectors that load all three parts into it.
    all_parts_loaded = False

    def __str__(self):
        return f"{self.region} – {self.round}"

    @property
    def effective_deadline(self):
        return self.deadline_override or self.round.deadline

    @property
    def deadline_passed(self) -> bool:
        return timezone.now() > self.effective_deadline

    @property
    def is_editable(self) -> bool:
        return (
            self.status in self.EDITABLE_STATUSES
            and self.round.opens_at <= timezone.now() <= self.effective_deadline
        )


class CurrentState(models.Model):
    """Del 1 – Bakgrund (nuläge)."""

    inventory = models.OneToOneField(
        Inventory, on_delete=models.CASCADE, related_name="current_state"
    )
    context = models.TextField(_("Regionens förutsättningar"), blank=True, max_length=LONG_TEXT_MAX)
    work_economic = models.TextField(
        _("Dagens arbete med ekonomisk hållbarhet"), blank=True, max_length=LONG_TEXT_MAX
    )
    work_social = models.TextField(
        _("Dagens arbete med social hållbarhet"), blank=True, max_length=LONG_TEXT_MAX
    )
    work_environmental = models.TextField(
        _("Dagens arbete med miljömässig hållbarhet"), blank=True, max_length=LONG_TEXT_MAX
    )
    needs_challenges = models.TextField(
        _("Behov och utmaningar"), blank=True, max_length=LONG_TEXT_MAX
    )
    collaboration = models.TextField(
        _("Befintlig samverkan och strukturer"), blank=True, max_length=LONG_TEXT_MAX
    )
    perspective = models.TextField(
        _("Nuläget ur ett intersektionellt perspektiv"), blank=True, max_length=LONG_TEXT_MAX
    )
    revision = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    TEXT_FIELDS = (
        "context",
        "work_economic",
        "work_social",
        "work_environmental",
        "needs_challenges",
        "collaboration",
        "perspective",
    )

    class Meta:
        verbose_name = _("Del 1 – Nuläge")
        verbose_name_plural = _("Del 1 – Nuläge")

    def __str__(self):
        return f"{self.inventory} – nuläge"


class BudgetLine(models.Model):
    """How a share of the start capital is used (part of Del 1)."""

    inventory = models.ForeignKey(Inventory, on_delete=models.CASCADE, related_name="budget_lines")
    description = models.CharField(_("Användning"), max_length=SHORT_TEXT_MAX)
    amount = models.PositiveBigIntegerField(_("Planerat (kr)"))
    spent = models.PositiveBigIntegerField(_("Använt hittills (kr)"), null=True, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("budgetrad")
        verbose_name_plural = _("budgetrader")
        ordering = ["inventory", "position", "id"]

    def __str__(self):
        return f"{self.description}: {self.amount} kr"


class Intervention(models.Model):
    """Del 2 – one intervention (insats)."""

    #: The free-text fields, in the order of the form (exports and search read these).
    TEXT_FIELDS = (
        "title",
        "description",
        "perspective_gender",
        "perspective_age",
        "perspective_background",
        "actors",
    )

    inventory = models.ForeignKey(Inventory, on_delete=models.CASCADE, related_name="interventions")
    title = models.CharField(_("Rubrik"), max_length=SHORT_TEXT_MAX)
    description = models.TextField(_("Beskrivning"), blank=True, max_length=LONG_TEXT_MAX)
    activity_areas = models.JSONField(_("Insatsområden"), default=list, blank=True)
    dimensions = models.JSONField(_("Hållbarhetsdimensioner"), default=list, blank=True)
    perspective_gender = models.TextField(
        _("Intersektionellt perspektiv: kön"), blank=True, max_length=LONG_TEXT_MAX
    )
    perspective_age = models.TextField(
        _("Intersektionellt perspektiv: ålder"), blank=True, max_length=LONG_TEXT_MAX
    )
    perspective_background = models.TextField(
        _("Intersektionellt perspektiv: utländsk bakgrund"), blank=True, max_length=LONG_TEXT_MAX
    )
    actors = models.TextField(
        _("Aktörer och samarbetspartner"), blank=True, max_length=LONG_TEXT_MAX
    )
    start_date = models.DateField(_("Start"), null=True, blank=True)
    end_date = models.DateField(_("Slut"), null=True, blank=True)
    cost = models.PositiveBigIntegerField(_("Beräknad kostnad (kr)"), null=True, blank=True)
    priority = models.CharField(_("Prioritet"), max_length=10, choices=Priority.choices, blank=True)
    effects = models.JSONField(_("Bidrar till effekter på lång sikt"), default=list, blank=True)
    position = models.PositiveIntegerField(default=0)
    revision = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    #: What a contact person fills in for an intervention, in the order of the form.
    CONTENT_FIELDS = (
        "title",
        "description",
        "activity_areas",
        "dimensions",
        "perspective_gender",
        "perspective_age",
        "perspective_background",
        "actors",
        "start_date",
        "end_date",
        "cost",
        "priority",
        "effects",
    )

    class Meta:
        verbose_name = _("insats")
        verbose_name_plural = _("insatser")
        ordering = ["inventory", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_date__isnull=True)
                | models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="intervention_end_not_before_start",
            ),
        ]

    def __str__(self):
        return self.title

    def get_activity_areas_display(self):
        labels = dict(ActivityArea.choices)
        return [labels.get(value, value) for value in self.activity_areas]

    def get_dimensions_display(self):
        labels = dict(Dimension.choices)
        return [labels.get(value, value) for value in self.dimensions]

    def get_effects_display(self):
        return choice_labels(self.effects, Effect)

    def money_by_year(self) -> dict:
        """``{year: InterventionYear}`` from the prefetched ``years``."""
        return {row.year: row for row in self.years.all()}


class InterventionYear(models.Model):
    """The money one intervention needs in one year of the round's programme period.

    One row per intervention and year, so the needs can be summed per year, activity area,
    dimension and effect with plain SQL (``SUM(sought) GROUP BY year``).
    """

    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("År"))
    sought = models.PositiveBigIntegerField(_("Söks från programmet (kr)"), default=0)
    own = models.PositiveBigIntegerField(_("Egen medfinansiering (kr)"), default=0)
    other = models.PositiveBigIntegerField(_("Annan medfinansiering (kr)"), default=0)

    AMOUNT_FIELDS = ("sought", "own", "other")

    class Meta:
        verbose_name = _("belopp per år")
        verbose_name_plural = _("belopp per år")
        ordering = ["intervention", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["intervention", "year"], name="one_amount_row_per_intervention_year"
            ),
        ]

    def __str__(self):
        return f"{self.intervention} {self.year}"

    @property
    def total(self) -> int:
        return self.sought + self.own + self.other


class TargetState(models.Model):
    """Del 3 – Börläge, mål och effekter (the goals are ``Goal`` rows)."""

    inventory = models.OneToOneField(
        Inventory, on_delete=models.CASCADE, related_name="target_state"
    )
    target_state = models.TextField(_("Börläge"), blank=True, max_length=LONG_TEXT_MAX)
    effect_business = models.TextField(
        _("Mer diversifierat och omställningsbenäget näringsliv"),
        blank=True,
        max_length=LONG_TEXT_MAX,
    )
    effect_sustainability = models.TextField(
        _("Ekonomisk, social och miljömässig hållbarhet i regioner"),
        blank=True,
        max_length=LONG_TEXT_MAX,
    )
    effect_trust = models.TextField(_("Ökad tillit"), blank=True, max_length=LONG_TEXT_MAX)
    effect_leadership = models.TextField(
        _("Starkare regionalt ledarskap"), blank=True, max_length=LONG_TEXT_MAX
    )
    short_term_effects = models.TextField(
        _("Effekter på kort sikt"), blank=True, max_length=LONG_TEXT_MAX
    )
    revision = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    EFFECT_FIELDS = (
        "effect_business",
        "effect_sustainability",
        "effect_trust",
        "effect_leadership",
    )
    TEXT_FIELDS = ("target_state", *EFFECT_FIELDS, "short_term_effects")

    class Meta:
        verbose_name = _("Del 3 – Börläge")
        verbose_name_plural = _("Del 3 – Börläge")

    def __str__(self):
        return f"{self.inventory} – börläge"


class Goal(models.Model):
    """Del 3 – one goal with its indicator and the interventions that lead to it."""

    inventory = models.ForeignKey(Inventory, on_delete=models.CASCADE, related_name="goals")
    goal = models.TextField(_("Mål"), max_length=2_000)
    indicator = models.CharField(_("Indikator"), max_length=SHORT_TEXT_MAX * 2, blank=True)
    target_value = models.CharField(_("Målvärde"), max_length=SHORT_TEXT_MAX, blank=True)
    target_date = models.DateField(_("Uppnås senast"), null=True, blank=True)
    interventions = models.ManyToManyField(
        Intervention, blank=True, related_name="goals", verbose_name=_("Insatser som leder dit")
    )
    effects = models.JSONField(_("Effekter på lång sikt"), default=list, blank=True)
    dimensions = models.JSONField(_("Hållbarhetsdimensioner"), default=list, blank=True)
    follow_up = models.JSONField(_("Indikatorn följs upp efter"), default=list, blank=True)
    position = models.PositiveIntegerField(default=0)
    revision = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("mål")
        verbose_name_plural = _("mål")
        ordering = ["inventory", "position", "id"]

    def __str__(self):
        return self.goal[:80]

    def get_effects_display(self):
        return choice_labels(self.effects, Effect)

    def get_dimensions_display(self):
        return choice_labels(self.dimensions, Dimension)

    def get_follow_up_display(self):
        return choice_labels(self.follow_up, FollowUp)
