"""Serial numbers in URLs, pages and API alike.

New serial numbers are letters, digits, dots, dashes and underscores (`devices.validators`), but
terminals registered before that rule may carry anything, a slash included. The converter takes
the rest of the path (as Django's `path` does), so every stored serial number has a working
address: reverse() keeps a slash as a slash and percent-encodes the rest, and the server decodes
it back. A control character never matches, so it never reaches the database.
"""

from django.urls import register_converter


class SerialNumberConverter:
    regex = r"[^\x00-\x1f\x7f]{1,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(SerialNumberConverter, "serial")
