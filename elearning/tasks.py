from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def run_enrolment_job(job_id: int) -> str | None:
    """Run one enrolment job (recorded in the outbox-like table). A job Moodle did not
    answer stays pending with its next attempt set: the sweep tries it again then."""
    return services.run_job(job_id)


@shared_task(ignore_result=True)
def sweep_enrolment_jobs() -> int:
    """Run the pending jobs that are due: missed by the broker, or waiting for Moodle."""
    return services.run_due_jobs()
