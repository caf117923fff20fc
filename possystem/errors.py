"""Domain errors: services raise these; pages show them as messages, the API as problem details."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A request the domain refuses. `field` names the input at fault, when there is one."""

    status = 400
    code = "invalid"
    default_message = _("The request cannot be carried out.")

    def __init__(self, message=None, *, field: str | None = None, code: str | None = None):
        self.message = message or self.default_message
        self.field = field
        if code:
            self.code = code
        super().__init__(str(self.message))

    def as_field_errors(self) -> dict[str, list[str]]:
        return {self.field or "non_field_errors": [str(self.message)]}


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"

    def __init__(self, errors: dict[str, list[str]] | str, *, field: str | None = None, code: str | None = None):
        if isinstance(errors, dict):
            self.errors = {key: [str(m) for m in messages] for key, messages in errors.items()}
            first_field, first_messages = next(iter(self.errors.items()))
            super().__init__(first_messages[0], field=first_field, code=code)
        else:
            super().__init__(errors, field=field, code=code)
            self.errors = {field or "non_field_errors": [str(errors)]}

    def as_field_errors(self) -> dict[str, list[str]]:
        return self.errors


class ActionNotAllowed(DomainError):
    """The caller's role may not do this."""

    status = 403
    code = "not_allowed"
    default_message = _("You are not allowed to do this.")


class TransitionNotAllowed(DomainError):
    """The ticket's status does not allow this step."""

    status = 409
    code = "invalid_transition"


class StateConflict(DomainError):
    """Someone else changed the object between reading and writing it."""

    status = 409
    code = "conflict"
    default_message = _("Someone else changed this ticket just now. Reload it and try again.")


class OutOfStock(DomainError):
    status = 409
    code = "out_of_stock"


class TooManyAttempts(DomainError):
    """Too many wrong tries in a row: refused for a while."""

    status = 429
    code = "too_many_attempts"
