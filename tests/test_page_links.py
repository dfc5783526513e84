"""The links that ``webapp/page_links.py`` builds once per process are the ones ``url_for`` builds:
behind a proxy's mount prefix they carry it, and the same process serving without one does not."""

from flask import url_for

from tests.helpers import submit_countdown
from webapp.page_links import job_url, site_url


def test_a_job_pages_links_carry_the_mount_prefix_only_where_there_is_one(client):
    job_id = submit_countdown(client)
    mounted = client.get(f"/jobs/{job_id}", base_url="http://localhost/deck/").get_data(as_text=True)
    plain = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert f'data-api-url="/deck/api/jobs/{job_id}"' in mounted
    assert 'href="/deck/static/style.css"' in mounted and 'href="/deck/jobs">My jobs' in mounted
    assert f'action="/deck/jobs/{job_id}/cancel"' in mounted
    assert f'data-api-url="/api/jobs/{job_id}"' in plain and 'href="/static/style.css"' in plain
    assert f'action="/jobs/{job_id}/cancel"' in plain and "/deck/" not in plain


def test_the_remembered_links_are_url_fors_own(app):
    with app.test_request_context("/", base_url="http://localhost/deck/"):
        for job_id in ("3f1c-Ab_9", "an id/with spaces?", "0jobid0"):
            assert job_url("job_pages.show", job_id) == url_for("job_pages.show", job_id=job_id)
        assert site_url("static", "app.js") == url_for("static", filename="app.js") == "/deck/static/app.js"
        assert site_url("why.show") == url_for("why.show")
