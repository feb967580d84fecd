"""A realistic load for many streets: device kinds at their real reporting rates
(``profiles``), a jittered schedule with the demo's fault mix and bursts (``schedule``),
bulk provisioning of devices and their MQTT credentials (``fleet``), an MQTT publisher paced
in simulated time (``publisher``) and a replay of history straight into the database
(``replay``). ``jiedao sensors simulate --realistic``, ``provision-fleet`` and ``replay``
drive them; ``bench/scale.py`` measures Jiedao under them."""
