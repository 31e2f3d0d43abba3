"""Email backends for the outbox's crash tests: Django's SMTP backend, and then the process
« dies » (an exception no code of the platform catches, as a kill would leave no code run)."""

from django.core.mail.backends.smtp import EmailBackend


class WorkerKilled(BaseException):
    """The worker process ends here: nothing after this line of the attempt runs."""


class DiesAfterSmtpAccepts(EmailBackend):
    """SMTP accepts the message, then the worker dies before the outbox records it as sent."""

    # What the test reads, from another database connection, when SMTP is about to be spoken
    # to: the attempt must already be committed.
    before_smtp = None

    def send_messages(self, email_messages):
        if DiesAfterSmtpAccepts.before_smtp is not None:
            DiesAfterSmtpAccepts.before_smtp()
        super().send_messages(email_messages)
        raise WorkerKilled
