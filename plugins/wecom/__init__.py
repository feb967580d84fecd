"""WeCom (企业微信) notification channels: the group robot and application messages."""
