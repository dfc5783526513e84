"""Task forms: one form's input and errors never reach another form of the same task."""

import pytest
from flask import g

from tests.helpers import TEST_CONFIG
from webapp import create_app
from webapp.forms import FORMS


@pytest.fixture
def app(redis_url):
    """The site as it runs: with CSRF protection, so the forms have their token field."""
    return create_app({**TEST_CONFIG, "REDIS_URL": redis_url, "WTF_CSRF_ENABLED": True})


def test_one_forms_input_and_errors_never_reach_another(app):
    with app.test_request_context("/tasks/countdown", method="POST", data={"seconds": "0"}):
        bad = FORMS["countdown"]()
        assert not bad.validate()
    with app.test_request_context("/tasks/countdown", method="POST", data={"seconds": "7"}):
        g.csrf_valid = True  # as CSRFProtect marks a POST whose token it checked
        good = FORMS["countdown"]()
        assert good.validate(), good.errors
    with app.test_request_context("/tasks/countdown"):
        blank = FORMS["countdown"]()
        html = str(blank.seconds)
    assert bad.seconds.errors and bad.seconds.data == 0
    assert good.seconds.errors == [] and good.seconds.data == 7
    assert blank.seconds.errors == () and blank.seconds.data == 10  # the field's default
    assert 'value="10"' in html
    assert bad.seconds is not good.seconds
