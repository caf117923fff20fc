class CodeConverter:
    """A ticket number or a serial number in a URL: letters, digits, dots, dashes, underscores.

    Anything else (a NUL byte, a control character) never reaches the database; the address simply
    does not exist.
    """

    regex = r"[-A-Za-z0-9_.]{1,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
