"""The credit plugin: the restaurant credit index (长庆信用分) with its explainable portrait."""
