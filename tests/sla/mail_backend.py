"""An e-mail backend for worker processes started by tests: Django's file backend writing to the
directory in SLA_TEST_MAIL_DIR, so the test counts what every process sent."""

import os

from django.core.mail.backends.filebased import EmailBackend as FileBackend


class EmailBackend(FileBackend):
    def __init__(self, *args, **kwargs):
        kwargs["file_path"] = os.environ["SLA_TEST_MAIL_DIR"]
        super().__init__(*args, **kwargs)
