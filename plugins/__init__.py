"""Jiedao's in-tree plugins; each sub-package is one plugin, loaded through its entry point."""
