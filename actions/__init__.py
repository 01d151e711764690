"""Every action, registered in one place: importing this package fills the registry.

One module per intent or flow; a module's name is its intent's name.
"""
from actions import (  # noqa: F401
    affirm,
    bind_household,
    complaint,
    deny,
    greet,
    help,
    human_handoff,
    repair_report,
    repair_status,
    staff_referral,
    stop,
    thanks,
)
