"""Task forms: one form's input and errors never reach another form of the same task."""

import pytest
from flask import g

from tests.helpers import TEST_CONFIG
from webapp import create_app
from webapp.task_forms import form_class


@pytest.fixture
def app(redis_url):
    """The site as it runs: with CSRF protection, so the forms have their token field."""
    return create_app({**TEST_CONFIG, "REDIS_URL": redis_url, "WTF_CSRF_ENABLED": True})


def test_one_forms_input_and_errors_never_reach_another(app):
    with app.test_request_context("/tasks/countdown", method="POST", data={"seconds": "0"}):
        bad = form_class("countdown")()
        assert not bad.validate()
    with app.test_request_context("/tasks/countdown", method="POST", data={"seconds": "7"}):
        g.csrf_valid = True  # as CSRFProtect marks a POST whose token it checked
        good = form_class("countdown")()
        assert good.validate(), good.errors
    with app.test_request_context("/tasks/countdown"):
        blank = form_class("countdown")()
        html = str(blank.seconds)
    assert bad.seconds.errors == ["Enter a whole number from 1 to 3600."] and bad.seconds.data == "0"
    assert good.seconds.errors == [] and good.clean == {"seconds": 7}
    assert blank.seconds.errors == () and blank.seconds.data == 10  # the field's default
    assert 'value="10"' in html
    assert bad.seconds is not good.seconds
