"""The local stand-in for Alibaba Cloud's SMS and voice APIs (demo and tests)."""
