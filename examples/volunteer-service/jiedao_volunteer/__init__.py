"""志愿服务 Volunteer service: a Jiedao plugin."""
