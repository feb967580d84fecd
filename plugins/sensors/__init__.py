"""Sensors: smart-electricity monitors, smoke detectors and EV-charger fire devices over MQTT."""
