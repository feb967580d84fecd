"""The sensors domain, free of GraphQL and MQTT: rules, payloads, alarms, ingestion storage."""
