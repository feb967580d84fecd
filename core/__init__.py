"""Jiedao's kernel. Plugins import ``hookimpl`` (and ``PluginInfo``) from here."""

from jiedao.core.hookspecs import hookimpl

__version__ = "0.1.0"

__all__ = ["__version__", "hookimpl"]
