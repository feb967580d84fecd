"""The credit plugin's own error codes (``PluginInfo(error_codes=...)``), beyond the kernel's."""

ERROR_CODES = {
    "ALREADY_DECIDED": "The appeal or repair request was already decided.",
    "ALREADY_PENDING": "An appeal or repair request of the same thing is already waiting for a decision.",
    "APPEAL_WINDOW_CLOSED": "The score is too old to be appealed.",
    "CONDITIONS_NOT_MET": "A penalty or listing was recorded since: early credit repair is not possible.",
    "INVALID_DATE": "The date is in the future or before the date it must follow.",
    "INVALID_SCORECARD": "The scorecard definition is not valid; the message lists the problems.",
    "NOT_A_LISTING": "Only a listing can be lifted.",
    "NOT_OPERATOR": "Only the enterprise's operator may do this.",
    "NOT_REPAIRABLE": "This evidence cannot be repaired, or no longer counts.",
    "RATING_MISMATCH": "The rating given differs from the one the checklist gives.",
    "SAME_REVIEWER": "A different reviewer must decide (four-eyes principle).",
}
