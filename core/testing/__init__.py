"""Helpers for tests that run against real, throwaway services (PostgreSQL, Mosquitto)."""
