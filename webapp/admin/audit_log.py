"""/admin/audit: the operators' actions, newest first (webapp/audit.py)."""

from flask import render_template

from webapp import audit
from webapp.admin.blueprint import bp

SHOWN = 200


@bp.get("/audit")
def audit_page():
    return render_template(
        "admin/audit.html", audit_entries=audit.recent(SHOWN), shown=SHOWN, audit_cap=audit.AUDIT_CAP
    )
