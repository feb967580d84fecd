"""The people a notification reaches: residents' emergency contacts, staff's notification
addresses, the duty roster, and the reach chain built from them (``chain.reach_chain``)."""
