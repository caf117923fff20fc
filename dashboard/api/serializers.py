from rest_framework import serializers


class SummaryInput(serializers.Serializer):
    days = serializers.IntegerField(
        min_value=1,
        max_value=366,
        default=30,
        help_text="Tickets filed in the last N days (local days in Asia/Shanghai, today included).",
    )


class MilestoneComplianceOutput(serializers.Serializer):
    on_time = serializers.IntegerField(help_text="Met by the deadline (a remote fix before it ends the on-site clock).")
    late = serializers.IntegerField(help_text="Met after the deadline.")
    missed = serializers.IntegerField(help_text="Past the deadline and still unmet (or cancelled after it).")
    pending = serializers.IntegerField(help_text="Not due yet, or the clock is paused.")
    compliance = serializers.FloatField(
        allow_null=True, help_text="on_time / (on_time + late + missed); null while nothing is decided."
    )


class ComplianceOutput(serializers.Serializer):
    respond = MilestoneComplianceOutput()
    onsite = MilestoneComplianceOutput()
    resolve = MilestoneComplianceOutput()


class EscalationCountsOutput(serializers.Serializer):
    at_risk = serializers.IntegerField()
    breached = serializers.IntegerField()
    manager = serializers.IntegerField()


class DurationOutput(serializers.Serializer):
    count = serializers.IntegerField(help_text="Tickets that reached the milestone.")
    mean_seconds = serializers.IntegerField(allow_null=True, help_text="Mean elapsed time from filing, in seconds.")
    p90_seconds = serializers.IntegerField(
        allow_null=True,
        help_text=(
            "Nine tickets in ten took at most this long, in seconds: the 90th percentile (nearest rank) "
            "rounded up to the step of the dashboard's histogram (a quarter of an hour at first, then "
            "hours), never more than the longest time."
        ),
    )


class DurationsOutput(serializers.Serializer):
    respond = DurationOutput()
    onsite = DurationOutput()
    resolve = DurationOutput()
    downtime = DurationOutput(help_text="From filing to the merchant's service restored (repair, swap or loan).")


class SummaryOutput(serializers.Serializer):
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()
    milestones = ComplianceOutput()
    open_escalations = EscalationCountsOutput(help_text="Escalations nobody has acknowledged yet, per level.")
    breached_tickets = serializers.IntegerField(help_text="Open tickets with a breached milestone still unmet.")
    at_risk_tickets = serializers.IntegerField(help_text="Open tickets warned about and not yet due.")
    filed = serializers.IntegerField(help_text="Tickets filed in the period.")
    open_tickets = serializers.IntegerField(help_text="Tickets open now, whenever they were filed.")
    durations = DurationsOutput()
    first_time_fix_rate = serializers.FloatField(
        allow_null=True, help_text="Resolved repairs neither reopened nor needing a second visit, as a share."
    )
    repeat_repair_rate = serializers.FloatField(
        allow_null=True, help_text="Resolved repairs whose terminal came back for repair within 30 days, as a share."
    )
    csat_average = serializers.FloatField(allow_null=True, help_text="The merchants' average rating (1 to 5).")
    csat_response_rate = serializers.FloatField(allow_null=True, help_text="Resolved tickets rated, as a share.")
