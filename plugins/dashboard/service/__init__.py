"""The cockpit's work: figures over ranges (``figures``, ``ranges``, ``sql``), their cache, the
CSV export, the Prometheus exposition, and the hotspot early warning (``hotspots``, ``warning``)."""
