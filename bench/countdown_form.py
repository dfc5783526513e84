"""The countdown form as a browser sends it, for the benchmarks that post it (bench/web.py through
gunicorn, bench/request_cpu.py in process). It imports nothing of the site, so a script may import it
before it sets the environment the site's settings read."""


def countdown_form(token: str) -> dict:
    """3 seconds, every option left empty, with the form's CSRF token."""
    return {
        "csrf_token": token,
        "seconds": "3",
        "priority": "",
        "start_in": "",
        "start_at": "",
        "timezone": "UTC",
    }
