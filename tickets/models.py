import datetime
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Merchant, Partner, Region
from accounts.scoping import ScopePaths
from devices.models import Device, FaultCategory
from warranty.models import Warranty
from warranty.services import reason_text


class Status(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    DISPATCHED = "dispatched", _("Technician dispatched")
    ON_SITE = "on_site", _("Technician on site")
    WAITING_MERCHANT = "waiting_merchant", _("Waiting for merchant")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")
    # The merchant declined the quote (or let it lapse): a final status, the clocks stopped.
    RETURNED_UNREPAIRED = "returned_unrepaired", _("Declined, returned unrepaired")


# The longest status value: the status columns of tickets and their timeline are this wide.
STATUS_MAX_LENGTH = 24

OPEN_STATUSES = (Status.NEW, Status.ACKNOWLEDGED, Status.DISPATCHED, Status.ON_SITE, Status.WAITING_MERCHANT)
# Open and not waiting on the merchant: the statuses in which the SLA clocks run.
RUNNING_STATUSES = (Status.NEW, Status.ACKNOWLEDGED, Status.DISPATCHED, Status.ON_SITE)


class Kind(models.TextChoices):
    REPAIR = "repair", _("Repair")
    INSTALLATION = "installation", _("Installation and setup")
    SOFTWARE_UPDATE = "software_update", _("Software or firmware update")
    CONSULTATION = "consultation", _("Technical consultation")
    TRAINING = "training", _("Merchant training")


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    CHAT = "chat", _("Chat")
    API = "api", _("API")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


def confirmation_code_new() -> str:
    """Six digits the merchant reads out to the technician on site: the proof of a visit."""
    return f"{secrets.randbelow(10**6):06d}"


class Ticket(models.Model):
    number = models.CharField(_("number"), max_length=32, unique=True, editable=False)
    # No index of its own: `ticket_merchant_created` leads with the merchant and serves its lookups.
    merchant = models.ForeignKey(
        Merchant, verbose_name=_("merchant"), on_delete=models.PROTECT, related_name="tickets", db_index=False
    )
    device = models.ForeignKey(
        Device, verbose_name=_("device"), null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    kind = models.CharField(_("kind of service"), max_length=16, choices=Kind.choices, default=Kind.REPAIR)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.WEB)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    fault_category = models.CharField(_("fault category"), max_length=32, choices=FaultCategory.choices, blank=True)
    description = models.TextField(_("description"))
    contact_name = models.CharField(_("contact name"), max_length=64)
    contact_phone = models.CharField(_("contact mobile"), max_length=20)
    preferred_visit_at = models.DateTimeField(_("preferred visit time"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=STATUS_MAX_LENGTH, choices=Status.choices, default=Status.NEW)

    # The warranty decision, made once when the ticket is filed (warranty.services.warranty_decide).
    warranty_covered = models.BooleanField(_("covered by warranty"), default=False)
    warranty_reason = models.CharField(_("warranty reason"), max_length=16, blank=True)
    warranty_date = models.DateField(_("warranty reason date"), null=True, blank=True)
    warranty = models.ForeignKey(
        Warranty, verbose_name=_("warranty"), null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )

    # SLA deadlines (sla.services computes them) and the times each milestone was met.
    sla_policy = models.ForeignKey(
        "sla.SLAPolicy",
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    respond_by = models.DateTimeField(_("respond by"), null=True, blank=True)
    onsite_by = models.DateTimeField(_("on site by"), null=True, blank=True)
    resolve_by = models.DateTimeField(_("resolve by"), null=True, blank=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    # Met only by a verified visit (technicians.Visit): the code on site, or a manager's approval.
    onsite_at = models.DateTimeField(_("on site at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # When the merchant could take payments again: the repair, or earlier a swapped or loaned
    # terminal. From `created_at` to here the merchant was down.
    restored_at = models.DateTimeField(_("service restored at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # When someone was first recorded on site, verified or not. A resolution without it was a remote
    # fix; with it and without `onsite_at`, the visit still waits for a manager's approval.
    visited_at = models.DateTimeField(_("first visit recorded at"), null=True, blank=True)
    # The merchant reads it out to the technician on site; a new one after each verified visit.
    confirmation_code = models.CharField(
        _("confirmation code"), max_length=6, default=confirmation_code_new, editable=False
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # When the merchant declined the quote (or it lapsed) and the ticket ended unrepaired. Deadlines
    # were moved by the pause first, so a deadline before this was missed while the clock ran.
    returned_at = models.DateTimeField(_("returned unrepaired at"), null=True, blank=True)
    # While waiting on the merchant the SLA clocks stop; the status to return to is kept here.
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    paused_from_status = models.CharField(
        _("status before the pause"), max_length=STATUS_MAX_LENGTH, choices=Status.choices, blank=True
    )
    # The next deadline still to meet while the clocks run (the response, then the visit, then the
    # repair); empty when none runs: paused, every milestone met, closed, cancelled, no SLA policy.
    # `sla.deadlines.next_due_of` decides it; the transition or filing that changes a ticket writes
    # it in its own UPDATE, `sla.services.ticket_sla_changed` corrects it in the same transaction.
    next_due = models.DateTimeField(_("next deadline"), null=True, blank=True, editable=False)
    # Where the job is: the terminal's region, else the merchant's (tickets.regions decides it), so the
    # console's region filter reads one indexed column instead of two joins. Written at filing and
    # rewritten over a terminal's or a merchant's open tickets when their region changes; a closed
    # ticket keeps the region it was served in. No index of its own: `ticket_console_region` leads
    # with it for the open tickets the console reads.
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        editable=False,
        db_index=False,
        on_delete=models.PROTECT,
        related_name="+",
    )

    # What the manager's dashboard counts, written by the write that decides it (tickets.facts): the
    # terminal came back for another repair within 30 days of this one's resolution; resolved without
    # a reopening or a second visit; the technician of the latest repair report.
    came_back = models.BooleanField(_("back within 30 days"), default=False, db_default=False, editable=False)
    fixed_first_time = models.BooleanField(_("fixed the first time"), default=False, db_default=False, editable=False)
    fixed_by = models.ForeignKey(
        "technicians.Technician",
        verbose_name=_("fixed by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Once each milestone is met: the minutes it took from filing on that milestone's clock, working
    # time where the policy counts working time (sla.deadlines.working_minutes_changes).
    respond_minutes = models.PositiveIntegerField(_("minutes to respond"), null=True, blank=True, editable=False)
    onsite_minutes = models.PositiveIntegerField(_("minutes to arrive on site"), null=True, blank=True, editable=False)
    resolve_minutes = models.PositiveIntegerField(_("minutes to resolve"), null=True, blank=True, editable=False)

    created_at = models.DateTimeField(_("filed at"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    filed_by_partner = models.ForeignKey(
        Partner, verbose_name=_("filed by partner"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A form's one-time token: a double tap or a back-and-resubmit finds the ticket it already made.
    submission_key = models.CharField(max_length=64, null=True, blank=True, editable=False)

    scope = ScopePaths(merchant="merchant", assignments="assignments")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "submission_key"],
                condition=Q(submission_key__isnull=False),
                name="ticket_submission_key_unique",
            ),
            models.CheckConstraint(
                name="ticket_paused_iff_waiting",
                condition=(Q(status="waiting_merchant") & Q(paused_at__isnull=False) & ~Q(paused_from_status=""))
                | (~Q(status="waiting_merchant") & Q(paused_at__isnull=True) & Q(paused_from_status="")),
            ),
        ]
        indexes = [
            # Merchant ticket list: tickets of one merchant, newest first.
            models.Index(fields=["merchant", "-created_at"], name="ticket_merchant_created"),
            # Dispatcher console and API filters by status.
            models.Index(fields=["status", "-created_at"], name="ticket_status_created"),
            # Staff ticket lists, newest first, and the API's cursor pages over (created_at, id).
            models.Index(fields=["-created_at", "-id"], name="ticket_created"),
            # Auto-close of resolved tickets (tickets.services.tickets_close_resolved).
            models.Index(fields=["resolved_at"], condition=Q(status="resolved"), name="ticket_resolved_open"),
            # The console (tickets.selectors.ticket_console), open tickets: ORDER BY next_due NULLS
            # LAST, created_at, id LIMIT n, and its seek to the next page, walk this index in order.
            # A B-tree's ascending order puts NULLs last, so paused tickets come after running ones.
            models.Index(
                fields=["next_due", "created_at", "id"], condition=Q(status__in=OPEN_STATUSES), name="ticket_console"
            ),
            # The console's priority and kind filters over open tickets, in the same order.
            models.Index(
                fields=["priority", "next_due", "created_at", "id"],
                condition=Q(status__in=OPEN_STATUSES),
                name="ticket_console_priority",
            ),
            models.Index(
                fields=["kind", "next_due", "created_at", "id"],
                condition=Q(status__in=OPEN_STATUSES),
                name="ticket_console_kind",
            ),
            # The console's region filter over open tickets, in the same order (the stored region).
            models.Index(
                fields=["region", "next_due", "created_at", "id"],
                condition=Q(status__in=OPEN_STATUSES),
                name="ticket_console_region",
            ),
            # The console filtered by one status (open or not), and over all statuses, in the same order.
            models.Index(fields=["status", "next_due", "created_at", "id"], name="ticket_console_status"),
            models.Index(fields=["next_due", "created_at", "id"], name="ticket_console_all"),
            # Repeat repairs on the dashboard (dashboard.figures._came_back): the repairs of one
            # terminal filed in a window, a range of this index instead of all the terminal's tickets.
            models.Index(fields=["device", "created_at"], condition=Q(kind="repair"), name="ticket_device_repairs"),
            # A job card's repair history (tickets.selectors.job_list): a terminal's last resolved
            # tickets, the first rows of this index instead of every resolved ticket in the system.
            models.Index(
                fields=["device", "-resolved_at", "-id"],
                condition=Q(status__in=(Status.RESOLVED, Status.CLOSED)),
                name="ticket_device_history",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def warranty_reason_text(self) -> str:
        return reason_text(
            self.warranty_reason,
            date=self.warranty_date,
            fault_category=self.fault_category,
            policy_name=self.warranty.policy.name if self.warranty_id and self.warranty else "",
        )

    @property
    def downtime(self) -> datetime.timedelta | None:
        """How long the merchant was without a working terminal: from filing to service restored."""
        return self.restored_at - self.created_at if self.restored_at else None

    @property
    def report(self):
        """The latest repair report (a reopened ticket is resolved again), from a prefetch of `reports`
        when there is one; None before the first resolution."""
        reports = list(self.reports.all())
        return max(reports, key=lambda report: (report.created_at, report.pk)) if reports else None

    @property
    def active_assignment(self):
        """The active assignment, from a prefetch of `assignments` when there is one."""
        for assignment in self.assignments.all():
            if assignment.is_active:
                return assignment
        return None


class TicketSequence(models.Model):
    """The last number handed out per day; `tickets.filing.ticket_number_next` increments it."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("ticket number sequence")

    def __str__(self):
        return f"{self.day}: {self.last}"


class TicketComment(models.Model):
    """A public reply on the ticket, or an internal note staff keep from the merchant."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    author_name = models.CharField(_("author name"), max_length=128)
    body = models.TextField(_("message"))
    internal = models.BooleanField(_("internal note"), default=False)
    created_at = models.DateTimeField(_("created at"))

    scope = ScopePaths(merchant="ticket__merchant", assignments="ticket__assignments")

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self):
        return f"{self.ticket} · {self.author_name}"


def photo_path(photo, filename):
    # The stored name never reuses the uploaded name: photos are addressed by id through a view.
    today = timezone.localdate()
    return f"tickets/{today:%Y/%m}/{photo.ticket_id}-{photo.token}.{photo.extension}"


class TicketPhoto(models.Model):
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="photos")
    comment = models.ForeignKey(
        TicketComment, verbose_name=_("comment"), null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    # Photos of the work, taken when the job is completed; the receipt shows them.
    report = models.ForeignKey(
        "technicians.RepairReport",
        verbose_name=_("repair report"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="photos",
    )
    image = models.FileField(_("photo"), upload_to=photo_path)
    token = models.CharField(max_length=32, editable=False)
    extension = models.CharField(max_length=4, editable=False)
    content_type = models.CharField(max_length=32, editable=False)
    size = models.PositiveIntegerField(editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))

    scope = ScopePaths(merchant="ticket__merchant", assignments="ticket__assignments")

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self):
        return f"{self.ticket_id} · {self.token}"


class TicketEvent(models.Model):
    """One entry on a ticket's timeline; written by `tickets.services` for every change."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Filed")
        STATUS_CHANGED = "status_changed", _("Status changed")
        ASSIGNED = "assigned", _("Technician assigned")
        ACCEPTED = "accepted", _("Job accepted")
        COMMENT = "comment", _("Reply")
        NOTE = "note", _("Internal note")
        PHOTOS = "photos", _("Photos added")
        QUOTE_SENT = "quote_sent", _("Quote sent")
        QUOTE_APPROVED = "quote_approved", _("Quote approved")
        QUOTE_DECLINED = "quote_declined", _("Quote declined")
        QUOTE_REMINDED = "quote_reminded", _("Quote reminded")
        PAUSED = "paused", _("SLA clock paused")
        RESUMED = "resumed", _("SLA clock resumed")
        FEEDBACK = "feedback", _("Service rated")
        ESCALATED = "escalated", _("Escalated")
        UPDATED = "updated", _("Details updated")
        DECLINED = "declined", _("Job declined")
        ON_THE_WAY = "on_the_way", _("Technician on the way")
        VISIT = "visit", _("Visit recorded")
        VISIT_APPROVED = "visit_approved", _("Visit approved")
        VISIT_REJECTED = "visit_rejected", _("Visit rejected")
        CHECK_IN_LOCKED = "check_in_locked", _("Check-in locked")
        REOPENED = "reopened", _("Reopened: not fixed")
        LOAN_OUT = "loan_out", _("Loaner terminal lent")
        LOAN_RETURNED = "loan_returned", _("Loaner terminal returned")
        LOAN_OVERDUE = "loan_overdue", _("Loaner out too long")

    # No index of its own: `ticket_event_timeline` leads with the ticket.
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="events", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    from_status = models.CharField(_("from"), max_length=STATUS_MAX_LENGTH, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=STATUS_MAX_LENGTH, choices=Status.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("by"), max_length=128, blank=True)
    public = models.BooleanField(_("visible to the merchant"), default=True)
    comment = models.ForeignKey(TicketComment, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    message = models.TextField(_("message"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("at"))

    scope = ScopePaths(merchant="ticket__merchant", assignments="ticket__assignments")

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticket_event_timeline")]

    def __str__(self):
        return f"{self.ticket} · {self.kind}"


class Quote(models.Model):
    """A price for an out-of-warranty repair, line by line; the merchant approves or declines it.

    Written once by `tickets.quotes.quote_send` and never edited: its totals are the sums of its
    lines, and the tax terms are those in force when it was sent. Different work is a new quote,
    which supersedes an approved one; the approved quote is what a resolution charges.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        SUPERSEDED = "superseded", _("Replaced by a revised quote")

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="quotes")
    # The sums of the lines, kept on the quote for lists, exports and the API.
    parts_amount = models.DecimalField(_("parts (CNY)"), max_digits=10, decimal_places=2)
    labour_amount = models.DecimalField(_("labour (CNY)"), max_digits=10, decimal_places=2)
    prices_include_tax = models.BooleanField(_("prices include VAT"), default=True)
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=4, decimal_places=2, default=Decimal("13.00"))
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("quoted by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # The one reminder to the merchant (tickets.quotes.quotes_follow_up); a lapse is a decline by nobody.
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    lapsed = models.BooleanField(_("lapsed without an answer"), default=False)

    scope = ScopePaths(merchant="ticket__merchant", assignments="ticket__assignments")

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(status="pending"), name="quote_one_pending_per_ticket"
            ),
            # What a resolution charges is never ambiguous: a revision supersedes the approved quote.
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(status="approved"), name="quote_one_approved_per_ticket"
            ),
            models.CheckConstraint(
                name="quote_amounts_not_negative", condition=Q(parts_amount__gte=0, labour_amount__gte=0)
            ),
        ]
        indexes = [
            # Pending quotes by age: the reminder and the lapse (tickets.quotes.quotes_follow_up).
            models.Index(fields=["created_at"], condition=Q(status="pending"), name="quote_pending_created"),
        ]

    def __str__(self):
        return f"{self.ticket_id} · {self.total}"

    @property
    def total(self):
        return self.parts_amount + self.labour_amount

    @property
    def tax_note(self) -> str:
        """含税/不含税, with the rate: how the amounts stand to VAT."""
        rate = f"{self.vat_rate.normalize():f}"
        if self.prices_include_tax:
            return _("VAT included (%(rate)s%%)") % {"rate": rate}
        return _("VAT not included (%(rate)s%%)") % {"rate": rate}


class QuoteLine(models.Model):
    """One line of a quote: a spare part at its list price, or labour at the rate per visit or hour."""

    class Kind(models.TextChoices):
        PART = "part", _("Part")
        LABOUR = "labour", _("Labour")

    class Unit(models.TextChoices):
        PIECE = "piece", pgettext_lazy("unit of a quote line", "piece")
        VISIT = "visit", pgettext_lazy("unit of a quote line", "visit")
        HOUR = "hour", pgettext_lazy("unit of a quote line", "hour")

    quote = models.ForeignKey(Quote, verbose_name=_("quote"), on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    spare_part = models.ForeignKey(
        "devices.SparePart",
        verbose_name=_("spare part"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Blank for labour at the rate: the page shows "Labour" in the reader's language.
    description = models.CharField(_("description"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    quantity = models.DecimalField(_("quantity"), max_digits=6, decimal_places=2)
    unit_price = models.DecimalField(_("unit price (CNY)"), max_digits=10, decimal_places=2)
    # quantity × unit price, to the fen.
    amount = models.DecimalField(_("amount (CNY)"), max_digits=10, decimal_places=2)
    # The list price when a manager set another one; None when the list price was taken.
    list_price = models.DecimalField(_("list price (CNY)"), max_digits=10, decimal_places=2, null=True, blank=True)

    scope = ScopePaths(merchant="quote__ticket__merchant", assignments="quote__ticket__assignments")

    class Meta:
        ordering = ["pk"]
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        constraints = [
            models.CheckConstraint(
                name="quote_line_amounts",
                condition=Q(quantity__gt=0, unit_price__gte=0, amount__gte=0),
            ),
            models.CheckConstraint(
                name="quote_line_part_has_part",
                condition=(Q(kind="part") & Q(spare_part__isnull=False))
                | (Q(kind="labour") & Q(spare_part__isnull=True)),
            ),
        ]

    def __str__(self):
        return f"{self.label} × {self.quantity}"

    @property
    def label(self) -> str:
        return self.description or str(self.get_kind_display())

    @property
    def price_overridden(self) -> bool:
        return self.list_price is not None and self.list_price != self.unit_price


class Feedback(models.Model):
    """The merchant's rating of a resolved ticket; one per ticket, ever."""

    ticket = models.OneToOneField(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="feedback")
    rating = models.PositiveSmallIntegerField(_("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(_("comment"), blank=True)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("given by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    scope = ScopePaths(merchant="ticket__merchant")

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [models.CheckConstraint(name="feedback_rating_1_to_5", condition=Q(rating__gte=1, rating__lte=5))]
        indexes = [
            # The dashboard's latest comments (dashboard.figures.satisfaction_figure): walked newest
            # first, stopping at the fifth of the view's tickets.
            models.Index(fields=["-created_at", "-id"], condition=~Q(comment=""), name="feedback_comment_latest"),
        ]

    def __str__(self):
        return f"{self.ticket_id} · {self.rating}"
