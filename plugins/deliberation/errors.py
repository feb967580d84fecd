"""The deliberation plugin's own error codes (``PluginInfo(error_codes=...)``), beyond the kernel's."""

ERROR_CODES = {
    "ALREADY_VOTED": "This owner group has already voted in this ballot.",
    "CANCELLED": "The ballot was cancelled by its convenor: it takes no votes and has no result.",
    "INVALID_CHANNEL": "Staff record PAPER and PROXY votes only; ONLINE votes come from the owner's own session.",
    "INVALID_CONVENOR": "The organisation cannot convene this ballot (not the compound's 业委会 nor its community's 居委会).",
    "CLOSED": "Voting or the consultation has closed.",
    "INVALID_PERIOD": "The voting or consultation period is not possible (ends before it starts, in the past, too long).",
    "INVALID_SCOPE": "The ballot's scope is neither a compound nor a list of buildings, or holds no building.",
    "INVALID_STATUS": "The ballot or topic is not in the status this action needs.",
    "NOT_AN_OWNER": "No owner is recorded for the account or the unit.",
    "NOT_OPEN": "Voting or the consultation is not open (yet).",
    "OUT_OF_SCOPE": "The unit is outside the ballot's scope.",
    # the maintenance fund
    "APPEND_ONLY": "A maintenance-fund ledger entry cannot be changed or deleted.",
    "INSUFFICIENT_FUNDS": "The maintenance-fund account does not hold that much.",
    "NOT_AUTHORISED": "No closed, passed, binding owners' vote covering those who bear it authorises this use of the maintenance fund.",
}
