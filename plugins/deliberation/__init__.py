"""Deliberation: owners' votes under Civil Code Art. 278, topics and appeals, meetings."""
