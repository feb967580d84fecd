"""NB-IoT devices through the carriers' IoT platforms: their HTTP pushes, verified, translated
into the readings and statuses MQTT devices send, and stored by the same code.

One module per platform format (``ctwing``, ``onenet``), the signature checks
(``signatures``), the mapping of the devices' service fields onto sensor keys (``fields``),
idempotent storage (``deliveries``) and the ASGI endpoint (``endpoint``).
"""
