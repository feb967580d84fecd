"""DingTalk (钉钉 / 浙政钉) notification channels: the group robot and corp-app work notices."""
