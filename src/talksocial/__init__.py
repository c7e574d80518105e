"""talksocial: a self-hostable, faithful implementation of the Kakao Talk Social REST API."""

__version__ = "0.1.0"
