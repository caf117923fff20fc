from rest_framework import serializers


class SummaryInput(serializers.Serializer):
    days = serializers.IntegerField(
        min_value=1, max_value=366, default=30, help_text="Tickets filed in the last N days."
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


class SummaryOutput(serializers.Serializer):
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()
    milestones = ComplianceOutput()
    open_escalations = EscalationCountsOutput(help_text="Escalations nobody has acknowledged yet, per level.")
    breached_tickets = serializers.IntegerField(help_text="Open tickets with a breached milestone still unmet.")
    at_risk_tickets = serializers.IntegerField(help_text="Open tickets warned about and not yet due.")
