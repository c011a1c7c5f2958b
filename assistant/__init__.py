"""Smart-City-Atlas assistant: grounded, cited answers from the Bitkom / Fraunhofer IESE report."""

__version__ = "0.1.0"
