"""Public notices (公示/公告): what the street publishes to the residents of a place (see ``models``)."""
